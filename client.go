// Package freddy is the Go SDK for the Freddy API's personal connectors:
// create, get, list, update, enable or disable, health-check and delete
// personal connector configurations.
//
// A Client is safe for concurrent use and should be created once and shared:
// it holds the connection pool and the client-wide retry budget.
//
//	client, err := freddy.NewClient() // reads FREDDY_API_KEY
//	cfg, err := client.Configurations.Create(ctx, freddy.CreateConfigurationParams{
//		PersonalConnectorID: "pcon_github",
//		Name:                "My GitHub Account",
//		Credentials:         freddy.BearerCredentials(token),
//	})
//	for cfg, err := range client.Configurations.ListAll(ctx, freddy.ListConfigurationsParams{}) {
//		…
//	}
//
// Failed calls return typed errors ([*RateLimitError], [*NotFoundError], …)
// reachable with errors.As, and sentinels ([ErrRateLimited], [ErrNotFound], …)
// for errors.Is. 429s, 5xx responses and transport failures are retried with
// jittered backoff under a client-wide budget; under the defaults a call
// takes at most 120.5 seconds. [Credentials] and the API key never appear in an
// error, a log record or printed output.
//
// Package freddytest, in the same module, is an in-memory Freddy API for
// tests of code that uses this package.
package freddy

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"

	"github.com/aitronos/freddy-go/internal/httpx"
	"github.com/aitronos/freddy-go/internal/ratelimit"
	"github.com/aitronos/freddy-go/internal/redact"
	"github.com/aitronos/freddy-go/internal/retry"
)

// Version is the SDK version sent in the User-Agent header.
const Version = "0.4.0"

// Client calls the Freddy API. Create it with [NewClient]; the zero value is
// not usable. Printing a Client never prints the API key.
type Client struct {
	// Configurations manages personal connector configurations.
	Configurations *ConfigurationsService

	core *core
}

// core is everything [NewClient] computes once so that a call does no URL
// joining, header building or policy setup.
type core struct {
	// apiKey returns the X-API-Key header value. A func, not a string: fmt
	// prints a func as an address, so no verb on any value that reaches a
	// core through unexported fields can print the key.
	apiKey   func() []string
	endpoint string
	// shownEnd is endpoint as String shows it: scrubbed of the key.
	shownEnd string
	// endpointURL is endpoint parsed once; each request gets a copy.
	endpointURL url.URL
	// endpointPath is endpointURL's escaped path, the prefix of every path
	// with an ID in it.
	endpointPath string
	// Header templates for requests with and without a body.
	headerBody, headerNoBody http.Header
	httpClient               *http.Client
	transport                http.RoundTripper
	// traced: transport reports each attempt's connection (sent.go).
	traced bool
	policy *retry.Policy
	logger *slog.Logger
	// pacer is the rate-limit model (internal/ratelimit), fed by every
	// response and asked before each paced attempt (Policy.Paced decides
	// per call). keyHash is the Client's API key's identity in it.
	pacer   *ratelimit.Pacer
	keyHash string
	// account is the shared RateLimitAccount, nil without one.
	account *accountGate
	limiter Limiter
	calls   sync.Pool
	// middleware and observer run around each attempt and each call
	// (middleware.go, observe.go); layeredClient is the client that runs them.
	middleware    []Middleware
	observer      Observer
	layeredClient *http.Client
}

// NewClient returns a Client configured by opts on top of the environment
// (FREDDY_API_KEY, FREDDY_BASE_URL) and the defaults. It returns an error,
// naming the option or variable at fault, when there is no API key, when the
// key or user agent cannot be sent in an HTTP header, when the base URL is
// not an absolute https URL (plain http is allowed only to a loopback host),
// or when an option was given a bad value.
func NewClient(opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.apiKey == "" {
		return nil, errors.New("freddy: no API key: set the " + EnvAPIKey + " environment variable or pass freddy.WithAPIKey")
	}
	if !headerSafe(cfg.apiKey) {
		return nil, errors.New("freddy: the API key contains a character that cannot be sent in an HTTP header (check " + EnvAPIKey + " for a trailing newline or space)")
	}
	if cfg.retryWaitMin > cfg.maxRetryWait {
		return nil, fmt.Errorf("freddy: WithRetryWait min %s exceeds WithMaxRetryWait %s: no wait could be both", cfg.retryWaitMin, cfg.maxRetryWait)
	}
	if cfg.baseURL == "" { // WithBaseURL refuses "", so this is FREDDY_BASE_URL unset or empty
		cfg.baseURL = DefaultBaseURL
	}
	if err := checkTLSOptions(cfg); err != nil {
		return nil, err
	}
	// The base URL is the caller's: it may hold the key (a gateway that
	// takes it in the path), so what the Client says of it is scrubbed.
	shown := redact.New(cfg.apiKey, nil)
	base, err := parseBaseURL(cfg.baseURL, cfg.allowedHTTP)
	if err != nil {
		return nil, shown.Error(err)
	}
	if base.Scheme == "http" && !isLoopback(base.Hostname()) && cfg.logger != nil {
		cfg.logger.Warn("freddy: WithInsecureHTTP: the API key is sent unencrypted; for tests only", "host", shown.String(base.Hostname()))
	}
	ua := "freddy-go/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if cfg.userAgent != "" {
		if !headerSafe(strings.ReplaceAll(cfg.userAgent, " ", "-")) {
			return nil, errors.New("freddy: WithUserAgent: contains a character that cannot be sent in an HTTP header")
		}
		ua += " " + cfg.userAgent
	}

	if !cfg.timeoutSet && cfg.httpClient != nil && cfg.httpClient.Timeout > 0 {
		cfg.timeout = cfg.httpClient.Timeout
	}
	hc, rt := httpx.NewClient(httpx.Config{Base: base, HTTPClient: cfg.httpClient, Timeout: cfg.timeout,
		MaxConnsPerHost: DefaultMaxConnsPerHost, TLSConfig: cfg.tlsConfig, NoColdGate: cfg.coldGateOff})
	keyHeader := []string{cfg.apiKey}
	endpoint := *base
	endpoint.Path = strings.TrimRight(base.Path, "/") + configurationsPath
	endpoint.RawPath = ""
	c := &core{
		apiKey:       func() []string { return keyHeader },
		endpoint:     endpoint.String(),
		shownEnd:     shown.String(endpoint.String()),
		endpointURL:  endpoint,
		endpointPath: endpoint.EscapedPath(),
		headerBody: http.Header{
			"Content-Type": {"application/json"},
			"Accept":       {"application/json"},
			"User-Agent":   {ua},
		},
		headerNoBody: http.Header{
			"Accept":     {"application/json"},
			"User-Agent": {ua},
		},
		httpClient: hc,
		transport:  rt,
		traced:     traced(rt),
		policy: &retry.Policy{
			MaxRetries: cfg.maxRetries,
			WaitMin:    cfg.retryWaitMin,
			WaitMax:    cfg.retryWaitMax,
			MaxWait:    cfg.maxRetryWait,
			MinAttempt: min(MinAttemptTime, cfg.timeout),
			Budget:     retry.NewBudget(cfg.budgetSize, cfg.budgetCost),
			Jitter:     cfg.jitter,
			Paced:      !cfg.pacingOff,
		},
		logger:        cfg.logger,
		middleware:    cfg.middleware,
		observer:      cfg.observer,
		layeredClient: newLayeredClient(hc),
		pacer:         ratelimit.New(ratelimit.KeyOf(cfg.apiKey)),
		keyHash:       ratelimit.KeyOf(cfg.apiKey),
		account:       newAccountGate(cfg.account, cfg.logger, cfg.observer),
		limiter:       cfg.limiter,
	}
	c.calls.New = func() any { return newCall(c) }
	client := &Client{core: c}
	client.Configurations = &ConfigurationsService{client: client}
	return client, nil
}

// RateLimit returns the Client's current view of the rate-limit window of
// its own API key, kept from every response: the limit, the lowest remaining
// the server reported in the window less the calls this Client sent since,
// and the most precise reset on offer. When the server keeps one window per
// endpoint (the Client finds out from the headers), it is the window of the
// endpoint that answered last. Calls made with another key (WithAPIKey per
// call) have windows of their own and are not reported here. It returns the
// zero RateLimit before any response reported a window.
func (c *Client) RateLimit() RateLimit {
	limit, remaining, reset, ok := c.core.pacer.View(c.core.keyHash)
	if !ok {
		return RateLimit{}
	}
	return RateLimit{Limit: limit, Remaining: remaining, ResetAt: reset}
}

// CloseIdleConnections closes the connections the client keeps for reuse. A
// later call opens new ones. Use it before checking for leaked goroutines or
// when retiring a Client.
func (c *Client) CloseIdleConnections() {
	if ci, ok := c.core.transport.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// String describes the client without its API key. The methods are on the
// value so that a Client printed by value is covered too.
func (c Client) String() string {
	if c.core == nil {
		return "freddy.Client{}"
	}
	return "freddy.Client{endpoint: " + c.core.shownEnd + "}"
}

// Format implements fmt.Formatter: every verb prints String.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// GoString returns String.
func (c Client) GoString() string { return c.String() }

// parseBaseURL accepts an absolute https URL, or http to a host allowHTTP
// allows (a loopback host, or the one WithInsecureHTTP names), with
// an optional path prefix. Errors never echo the whole URL (it may hold
// user info); NewClient scrubs the scheme or host they name of the key.
func parseBaseURL(raw string, allowHTTP func(host string) bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("freddy: WithBaseURL/" + EnvBaseURL + ": not a valid URL")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, errors.New("freddy: WithBaseURL/" + EnvBaseURL + `: scheme must be "https" (or "http" to a loopback host), got "` + u.Scheme + `"`)
	case u.Host == "":
		return nil, errors.New("freddy: WithBaseURL/" + EnvBaseURL + ": missing host")
	case u.User != nil:
		return nil, errors.New("freddy: WithBaseURL/" + EnvBaseURL + ": must not contain user info; pass the key with WithAPIKey")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("freddy: WithBaseURL/" + EnvBaseURL + ": must not contain a query or fragment")
	case u.Scheme == "http" && !allowHTTP(u.Hostname()):
		return nil, errors.New("freddy: WithBaseURL/" + EnvBaseURL + ": plain http to " + u.Hostname() +
			" would send the API key unencrypted; use https (http is allowed only to localhost, 127.0.0.0/8 and ::1, and to a test host named by WithInsecureHTTP)")
	case strings.HasSuffix(strings.ToLower(strings.TrimRight(u.Path, "/")), "/v1"):
		return nil, errors.New("freddy: WithBaseURL/" + EnvBaseURL + `: the path ends in "/v1", which the SDK adds itself; use the URL without it (e.g. ` + DefaultBaseURL + ")")
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// headerSafe reports whether s is non-empty visible ASCII, which is what an
// API key or a product token must be to travel in a header unchanged.
func headerSafe(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
