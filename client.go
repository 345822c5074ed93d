// Package freddy is the Go SDK for the Freddy API's personal connectors.
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
//
// Failed calls return typed errors (*RateLimitError, *ValidationError, …)
// reachable with errors.As, and sentinels (ErrRateLimited, …) for errors.Is.
package freddy

import (
	"context"
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
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/aitronos/freddy-go/internal/httpx"
	"github.com/aitronos/freddy-go/internal/redact"
	"github.com/aitronos/freddy-go/internal/retry"
)

// Version is the SDK version sent in the User-Agent header.
const Version = "0.1.0"

// Client calls the Freddy API. Create it with NewClient; the zero value is
// not usable. Printing a Client never prints the API key.
type Client struct {
	// Configurations creates personal connector configurations.
	Configurations *ConfigurationsService

	core *core
}

// core is everything NewClient computes once so that a call does no URL
// joining, header building or policy setup.
type core struct {
	// apiKey returns the X-API-Key header value. A func, not a string: fmt
	// prints a func as an address, so no verb on any value that reaches a
	// core through unexported fields can print the key.
	apiKey   func() []string
	endpoint string
	// endpointURL is endpoint parsed once; each request gets a copy.
	endpointURL url.URL
	header      http.Header
	httpClient  *http.Client
	transport   http.RoundTripper
	policy      *retry.Policy
	logger      *slog.Logger
	calls       sync.Pool
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
	if cfg.baseURL == "" {
		cfg.baseURL = DefaultBaseURL
	}
	base, err := parseBaseURL(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	ua := "freddy-go/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if cfg.userAgent != "" {
		if !headerSafe(strings.ReplaceAll(cfg.userAgent, " ", "-")) {
			return nil, errors.New("freddy: WithUserAgent: contains a character that cannot be sent in an HTTP header")
		}
		ua += " " + cfg.userAgent
	}

	hc, rt := httpx.NewClient(httpx.Config{Base: base, HTTPClient: cfg.httpClient, Timeout: cfg.timeout,
		MaxConnsPerHost: DefaultMaxConnsPerHost, TLSConfig: cfg.tlsConfig})
	keyHeader := []string{cfg.apiKey}
	endpoint := *base
	endpoint.Path = strings.TrimRight(base.Path, "/") + configurationsPath
	endpoint.RawPath = ""
	c := &core{
		apiKey:      func() []string { return keyHeader },
		endpoint:    endpoint.String(),
		endpointURL: endpoint,
		header: http.Header{
			"Content-Type": {"application/json"},
			"Accept":       {"application/json"},
			"User-Agent":   {ua},
		},
		httpClient: hc,
		transport:  rt,
		policy: &retry.Policy{
			MaxRetries: cfg.maxRetries,
			WaitMin:    cfg.retryWaitMin,
			WaitMax:    cfg.retryWaitMax,
			MaxWait:    cfg.maxRetryWait,
			Budget:     retry.NewBudget(cfg.budgetSize, cfg.budgetCost),
			Jitter:     cfg.jitter,
		},
		logger: cfg.logger,
	}
	c.calls.New = func() any { return newCall(c) }
	client := &Client{core: c}
	client.Configurations = &ConfigurationsService{client: client}
	return client, nil
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
	return "freddy.Client{endpoint: " + c.core.endpoint + "}"
}

// Format implements fmt.Formatter: every verb prints String.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// GoString returns String.
func (c Client) GoString() string { return c.String() }

// parseBaseURL accepts an absolute https URL, or http to a loopback host, with
// an optional path prefix. Errors never echo the URL: it may hold user info.
func parseBaseURL(raw string) (*url.URL, error) {
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
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, errors.New("freddy: WithBaseURL/" + EnvBaseURL + ": plain http to " + u.Hostname() +
			" would send the API key unencrypted; use https (http is allowed only to localhost, 127.0.0.0/8 and ::1)")
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

// Response body limits: an error envelope is small, a success body is one
// object. Over the limit the call fails and the connection is dropped rather
// than drained.
const (
	errorBodyLimit   = 1 << 20
	successBodyLimit = 10 << 20
	// pooledBodyCap keeps one huge response from pinning its buffer in the
	// pool for the life of the process.
	pooledBodyCap = 64 << 10
)

// call is the state of one request and its retries. The retryablehttp hooks
// are bound to it once, when the pool creates it, so a call allocates no
// closures.
type call struct {
	rc   retryablehttp.Client
	core *core

	idemKey  string
	creds    Credentials
	scrub    *redact.Scrubber // built on the first error, then reused
	attempts int
	retries  int
	wait     time.Duration
	body     []byte
	header   http.Header
	status   int
	lastAPI  error
	final    error
}

func newCall(c *core) *call {
	cl := &call{core: c}
	cl.rc.HTTPClient = c.httpClient
	// nil: retryablehttp's default logger writes to stderr. The SDK logs its
	// own records, and only through WithLogger.
	cl.rc.Logger = nil
	cl.rc.RetryMax = c.policy.MaxRetries
	cl.rc.RetryWaitMin, cl.rc.RetryWaitMax = c.policy.WaitMin, c.policy.WaitMax
	cl.rc.CheckRetry = cl.checkRetry
	cl.rc.Backoff = cl.backoff
	cl.rc.ErrorHandler = cl.errorHandler
	return cl
}

// do sends one POST of body to the endpoint with retries and hands a 2xx
// response body to decode, which must not keep it.
func (c *core) do(ctx context.Context, body []byte, idemKey string, creds Credentials, decode func(status int, h http.Header, body []byte) error) error {
	// An empty URL skips the per-call parse; the one parsed in NewClient
	// is copied in (net/http may hold on to a request's URL).
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, "", body)
	if err != nil {
		return fmt.Errorf("freddy: building request: %w", err)
	}
	u := c.endpointURL
	req.URL = &u
	// The value slices are shared read-only with the template: one map
	// per request instead of a deep copy.
	h := make(http.Header, len(c.header)+2)
	for k, v := range c.header {
		h[k] = v
	}
	h["X-Api-Key"] = c.apiKey()
	h["Idempotency-Key"] = []string{idemKey}
	req.Header = h

	cl := c.calls.Get().(*call)
	cl.idemKey, cl.creds = idemKey, creds
	defer c.release(cl)

	if _, err := cl.rc.Do(req); err != nil {
		if cl.final == nil {
			// retryablehttp returns the bare context error when the context
			// ends during the wait before a retry.
			cl.final = &RequestError{Attempts: cl.attempts, IdempotencyKey: idemKey, Err: err, LastAPIError: cl.lastAPI, waiting: true}
			cl.log(ctx, "freddy: retry abandoned", slog.String("reason", err.Error()))
		}
		return cl.final
	}
	c.policy.Budget.Success(cl.retries)
	return decode(cl.status, cl.header, cl.body)
}

// release resets a call and returns it to the pool. Nothing a caller
// receives refers to it. rc is left as it is: its hooks stay bound.
func (c *core) release(cl *call) {
	cl.body = cl.body[:0]
	if cap(cl.body) > pooledBodyCap {
		cl.body = nil
	}
	cl.idemKey, cl.creds, cl.scrub, cl.header, cl.lastAPI, cl.final = "", nil, nil, nil, nil, nil
	cl.attempts, cl.retries, cl.status, cl.wait = 0, 0, 0, 0
	c.calls.Put(cl)
}

// checkRetry is the CheckRetry hook: it reads the response body (so that the
// error decoder and the Retry-After in the body see it before retryablehttp
// drains it), turns a failure into its typed error, and asks the policy.
func (cl *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	cl.attempts++
	var apiErr error
	var asked time.Duration
	if err == nil {
		cl.status, cl.header = resp.StatusCode, resp.Header
		ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
		limit := int64(errorBodyLimit)
		if ok {
			limit = successBodyLimit
		}
		cl.body, err = httpx.ReadBody(resp.Body, cl.body[:0], resp.ContentLength, limit)
		resp.Body = http.NoBody
		if err == nil && ok {
			cl.logAttempt(ctx, resp.StatusCode, nil)
			return false, nil
		}
		if err == nil {
			apiErr = newAPIError(resp.StatusCode, resp.Header, cl.body, cl.idemKey, cl.scrubber(), time.Now())
			cl.lastAPI = apiErr
			var rl *RateLimitError
			if errors.As(apiErr, &rl) {
				asked = rl.RetryAfter
			}
		}
	}
	if err != nil {
		err = cl.scrubbed(err)
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	cl.logAttempt(ctx, status, firstErr(apiErr, err))
	d := cl.core.policy.Decide(ctx, retry.Outcome{Attempt: cl.attempts, Status: status, Err: err, Asked: asked})
	cl.log(ctx, "freddy: retry decision", slog.Bool("retry", d.Retry), slog.Duration("wait", d.Wait), slog.String("reason", d.Reason))
	if d.Retry {
		cl.retries++
		cl.wait = d.Wait
		return true, nil
	}
	if apiErr != nil {
		cl.final = apiErr
	} else {
		re := &RequestError{Attempts: cl.attempts, IdempotencyKey: cl.idemKey, Err: err}
		if ctx.Err() != nil {
			re.LastAPIError = cl.lastAPI
		}
		cl.final = re
	}
	return false, cl.final
}

// backoff is the Backoff hook: the wait was decided in checkRetry, which had
// the context and the body that retryablehttp does not pass here.
func (cl *call) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	return cl.wait
}

// errorHandler is the ErrorHandler hook. checkRetry has already built the
// typed error; this keeps retryablehttp from replacing it with its generic
// "giving up after N attempt(s)".
func (cl *call) errorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if cl.final != nil {
		return nil, cl.final
	}
	return nil, &RequestError{Attempts: cl.attempts, IdempotencyKey: cl.idemKey, Err: err}
}

func (cl *call) scrubber() *redact.Scrubber {
	if cl.scrub == nil {
		cl.scrub = cl.core.scrubber(cl.creds)
	}
	return cl.scrub
}

// scrubber removes this client's API key and the call's credential values
// from text a server sent. Built only on error paths.
func (c *core) scrubber(creds Credentials) *redact.Scrubber { return redact.New(c.apiKey()[0], creds) }

// scrubbed keeps the chain of a transport error for errors.Is/As while
// making sure its text cannot carry a secret: known secret values are
// replaced, and the query of a URL net/http names (a redirect target's query
// may hold a token) is dropped.
func (cl *call) scrubbed(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && (u.RawQuery != "" || u.User != nil) {
			u.RawQuery, u.User = "", nil
			err = &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	msg := err.Error()
	if clean := cl.scrubber().String(msg); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// logAttempt records one attempt. err is already scrubbed: API errors are
// built from scrubbed text and transport errors pass through scrubbed.
func (cl *call) logAttempt(ctx context.Context, status int, err error) {
	if cl.core.logger == nil {
		return
	}
	attrs := []slog.Attr{slog.Int("status", status)}
	traceID := ""
	if status != 0 {
		traceID = cl.header.Get("X-Request-Id")
	}
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.TraceID != "" {
			traceID = apiErr.TraceID
		}
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	if traceID != "" {
		attrs = append(attrs, slog.String("trace_id", cl.scrubber().String(traceID)))
	}
	cl.log(ctx, "freddy: attempt", attrs...)
}

// log writes one debug record with the attempt and idempotency key. It is
// the only place the SDK writes log records.
func (cl *call) log(ctx context.Context, msg string, attrs ...slog.Attr) {
	l := cl.core.logger
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs = append([]slog.Attr{slog.Int("attempt", cl.attempts), slog.String("idempotency_key", cl.idemKey)}, attrs...)
	l.LogAttrs(ctx, slog.LevelDebug, msg, attrs...)
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
