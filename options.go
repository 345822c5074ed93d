package freddy

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"
)

// Environment variables NewClient reads when the matching option is absent.
const (
	// EnvAPIKey names the variable holding the default API key.
	EnvAPIKey = "FREDDY_API_KEY"
	// EnvBaseURL names the variable holding the default base URL.
	EnvBaseURL = "FREDDY_BASE_URL"
	// DefaultBaseURL is used when neither WithBaseURL nor FREDDY_BASE_URL is set.
	DefaultBaseURL = "https://api.aitronos.com"
)

// Defaults of the client options.
const (
	DefaultMaxRetries   = 2
	DefaultRetryWaitMin = 500 * time.Millisecond
	DefaultRetryWaitMax = 8 * time.Second
	DefaultMaxRetryWait = 60 * time.Second
	DefaultTimeout      = 30 * time.Second
	// DefaultRetryBudget is the client-wide retry bucket: 500 tokens, 5 a
	// retry, so at most 100 retries in a row before successes refill it.
	DefaultRetryBudget     = 500
	DefaultRetryBudgetCost = 5
	// DefaultMaxConnsPerHost bounds the default transport's connections to
	// the API host, and it keeps as many idle for reuse. Callers beyond it
	// wait for a free connection instead of dialing a new one; without the
	// bound, goroutines finishing while others still dial make the pool
	// overshoot. Give WithHTTPClient a transport of your own for other
	// numbers. HTTP/2 multiplexes many calls over each connection.
	DefaultMaxConnsPerHost = 64
)

// config is what the options set. It is reached only through a pointer from
// Client, so printing a Client never prints the API key.
type config struct {
	apiKey       string
	baseURL      string
	httpClient   *http.Client
	maxRetries   int
	retryWaitMin time.Duration
	retryWaitMax time.Duration
	maxRetryWait time.Duration
	timeout      time.Duration
	userAgent    string
	logger       *slog.Logger
	budgetSize   int
	budgetCost   int

	// Test seams: fixed jitter and extra TLS roots for the default transport.
	jitter    func() float64
	tlsConfig *tls.Config
}

func defaultConfig() *config {
	return &config{
		apiKey:       os.Getenv(EnvAPIKey),
		baseURL:      os.Getenv(EnvBaseURL),
		maxRetries:   DefaultMaxRetries,
		retryWaitMin: DefaultRetryWaitMin,
		retryWaitMax: DefaultRetryWaitMax,
		maxRetryWait: DefaultMaxRetryWait,
		timeout:      DefaultTimeout,
		budgetSize:   DefaultRetryBudget,
		budgetCost:   DefaultRetryBudgetCost,
	}
}

// Option configures a Client in NewClient. An option given a bad value makes
// NewClient return an error that names the option.
type Option func(*config) error

// WithAPIKey sets the API key sent as X-API-Key. It overrides FREDDY_API_KEY.
func WithAPIKey(key string) Option {
	return func(c *config) error { c.apiKey = key; return nil }
}

// WithBaseURL sets the API's base URL (scheme, host and an optional path
// prefix). It overrides FREDDY_BASE_URL. NewClient refuses plain http except
// to a loopback host.
func WithBaseURL(rawURL string) Option {
	return func(c *config) error { c.baseURL = rawURL; return nil }
}

// WithHTTPClient sets the underlying *http.Client, for proxies, custom TLS or
// instrumentation such as otelhttp. The SDK uses a copy: its redirect policy
// (the key never follows a redirect to another host) and the WithTimeout
// per-attempt timeout replace hc's CheckRedirect and Timeout; hc itself is not
// modified. A nil hc keeps the default.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { c.httpClient = hc; return nil }
}

// WithMaxRetries sets the retries after the first attempt: 0 disables
// retrying; the default is 2 (three attempts). A negative n is an error.
func WithMaxRetries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("freddy: WithMaxRetries(%d): must not be negative", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithRetryWait sets the bounds of the exponential backoff used for 5xx
// responses, transport failures and 429s without Retry-After. Defaults 500ms
// and 8s. min must be positive and not above max.
func WithRetryWait(min, max time.Duration) Option {
	return func(c *config) error {
		if min <= 0 || max < min {
			return fmt.Errorf("freddy: WithRetryWait(%s, %s): need 0 < min <= max", min, max)
		}
		c.retryWaitMin, c.retryWaitMax = min, max
		return nil
	}
}

// WithMaxRetryWait sets the longest single wait the client sleeps before a
// retry (default 60s). When a server asks for a longer wait, the call returns
// the *RateLimitError at once, with RetryAfter set. d must be positive.
func WithMaxRetryWait(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("freddy: WithMaxRetryWait(%s): must be positive", d)
		}
		c.maxRetryWait = d
		return nil
	}
}

// WithTimeout sets the timeout of each attempt, from sending the request to
// reading the whole response (default 30s). An attempt that times out is
// retried while the caller's context allows. d must be positive; bound the
// whole call with the context.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("freddy: WithTimeout(%s): must be positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithUserAgent appends s to the User-Agent "freddy-go/<version>".
func WithUserAgent(s string) Option {
	return func(c *config) error { c.userAgent = s; return nil }
}

// WithLogger sets a logger for debug records of each attempt and each retry
// decision. They never contain the API key or a credential value. Without
// this option the SDK writes nothing anywhere.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

// WithRetryBudget sets the client-wide retry budget shared by every call: a
// bucket of capacity tokens; each retry takes cost tokens; a call that
// succeeds first time returns one token, a call that succeeds after retrying
// returns what it took. With fewer than cost tokens left, failures are
// returned without retrying, so during an outage many goroutines sharing one
// Client do not multiply the load. Default 500 tokens at 5 a retry. A
// capacity of 0 disables the budget; negative values are an error.
func WithRetryBudget(capacity, cost int) Option {
	return func(c *config) error {
		if capacity < 0 || cost < 0 || (capacity > 0 && cost == 0) {
			return fmt.Errorf("freddy: WithRetryBudget(%d, %d): need capacity >= 0 and cost > 0", capacity, cost)
		}
		c.budgetSize, c.budgetCost = capacity, cost
		return nil
	}
}

// RequestOption configures one call.
type RequestOption func(*requestConfig)

type requestConfig struct {
	idempotencyKey string
}

// WithIdempotencyKey sets the Idempotency-Key header of one Create call,
// replacing the random UUIDv4 the SDK generates per call. Reuse the key of a
// failed call (APIError.IdempotencyKey, RequestError.IdempotencyKey) to retry
// it later without creating a duplicate. An empty key keeps the generated one.
func WithIdempotencyKey(key string) RequestOption {
	return func(r *requestConfig) { r.idempotencyKey = key }
}
