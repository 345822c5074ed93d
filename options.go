package freddy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environment variables [NewClient] reads when the matching option is absent.
const (
	// EnvAPIKey names the variable holding the default API key.
	EnvAPIKey = "FREDDY_API_KEY"
	// EnvBaseURL names the variable holding the default base URL.
	EnvBaseURL = "FREDDY_BASE_URL"
	// DefaultBaseURL is used when neither [WithBaseURL] nor FREDDY_BASE_URL is set.
	DefaultBaseURL = "https://api.aitronos.com"
)

// Defaults of the client options.
const (
	DefaultMaxRetries   = 2
	DefaultRetryWaitMin = 500 * time.Millisecond
	DefaultRetryWaitMax = 8 * time.Second
	DefaultMaxRetryWait = 10 * time.Second
	DefaultTimeout      = 30 * time.Second
	// MinAttemptTime is the least time a retry needs before the caller's
	// context deadline (or WithTimeout, if shorter): a wait that would leave
	// less is not slept, and the call returns its last error at once.
	MinAttemptTime = 250 * time.Millisecond
	// DefaultRetryBudget is the client-wide retry bucket: 500 tokens, 5 a
	// retry, so at most 100 retries in a row before successes refill it.
	DefaultRetryBudget     = 500
	DefaultRetryBudgetCost = 5
	// DefaultMaxConnsPerHost bounds the default transport's connections to
	// the API host, and it keeps as many idle for reuse. Callers beyond it
	// wait for a free connection instead of dialing a new one; without the
	// bound, goroutines finishing while others still dial make the pool
	// overshoot. Give [WithHTTPClient] a transport of your own for other
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
	timeoutSet   bool
	userAgent    string
	logger       *slog.Logger
	budgetSize   int
	budgetCost   int
	middleware   []Middleware
	observer     Observer
	pacingOff    bool
	limiter      Limiter
	account      RateLimitAccount

	// Test seams: fixed jitter and extra TLS roots for the default transport.
	jitter    func() float64
	tlsConfig *tls.Config
	// coldGateOff lets every attempt of a cold burst dial (measurements).
	coldGateOff bool

	// Test-only options (options_tls.go).
	rootCAsSet       bool
	insecureHTTPHost string
	// call is set when the options are given to one call rather than to
	// NewClient: the options both accept write their override there, and
	// the others refuse (see calloptions.go).
	call *requestConfig
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

// Option configures a Client in [NewClient], or one call when given to a
// method (RequestOption is the same type). An option given a bad value makes
// NewClient return an error that names the option, and a call return a
// [*ParamError] naming it, without sending anything. Options that configure
// what a Client holds (WithBaseURL, WithHTTPClient, WithRetryWait,
// WithRetryBudget, WithUserAgent, WithLogger, WithObserver, WithLimiter) are
// refused by a call; options about one call (WithIdempotencyKey,
// WithResponseInto, WithHeader) are refused by NewClient. WithAPIKey,
// WithMaxRetries, WithTimeout, WithMaxRetryWait, WithRateLimitPacing and
// WithMiddleware work in both places.
type Option func(*config) error

// WithAPIKey sets the API key sent as X-API-Key. It overrides FREDDY_API_KEY.
// Given to one call, it sends that call with key instead of the client's,
// on the client's pool and budget; the key must be visible ASCII, like the
// client's, and is scrubbed from the call's errors the same way.
func WithAPIKey(key string) Option {
	return func(c *config) error {
		if c.call != nil {
			return c.call.setAPIKey(key)
		}
		c.apiKey = key
		return nil
	}
}

// WithBaseURL sets the API's base URL: scheme, host and an optional path
// prefix such as "/proxy", without "/v1", which the SDK adds itself. It
// overrides FREDDY_BASE_URL. [NewClient] refuses an empty URL, a path ending
// in /v1, and plain http except to a loopback host.
func WithBaseURL(rawURL string) Option {
	return clientOnly("WithBaseURL", func(c *config) error {
		if rawURL == "" {
			return errors.New("freddy: WithBaseURL: empty URL; leave the option out to use " + EnvBaseURL + " or " + DefaultBaseURL)
		}
		c.baseURL = rawURL
		return nil
	})
}

// WithHTTPClient sets the underlying *http.Client, for proxies, custom TLS or
// instrumentation such as otelhttp. The SDK uses a copy and never modifies
// hc:
//   - hc.Timeout becomes the per-attempt timeout when WithTimeout is not
//     given (WithTimeout wins when it is); the copy's own Timeout is zero.
//   - hc.CheckRedirect still runs, after the SDK's own check, which refuses
//     a redirect to another host or scheme (the key would follow it). An
//     error it returns ends the call and is not retried;
//     http.ErrUseLastResponse returns the 3xx response as an *APIError.
//   - With an *http.Transport, a cold burst over TLS dials once, as with
//     the default transport: the first attempt dials and the others wait
//     for its connection, which they share over HTTP/2. Another
//     RoundTripper dials as it does by itself.
//
// A nil hc keeps the default.
func WithHTTPClient(hc *http.Client) Option {
	return clientOnly("WithHTTPClient", func(c *config) error { c.httpClient = hc; return nil })
}

// WithMaxRetries sets the retries after the first attempt: 0 disables
// retrying; the default is 2 (three attempts). A negative n is an error.
// Given to one call, it applies to that call only; its retries still draw on
// the client's budget.
func WithMaxRetries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("freddy: WithMaxRetries(%d): must not be negative", n)
		}
		if c.call != nil {
			c.call.maxRetries, c.call.maxRetriesSet = n, true
			return nil
		}
		c.maxRetries = n
		return nil
	}
}

// WithRetryWait sets the bounds of the exponential backoff used for 5xx
// responses, transport failures and 429s without Retry-After. Defaults 500ms
// and 8s. min must be positive and not above max.
//
// The n-th retry waits a uniformly random time in [c/2, c), where
// c = min(max, [WithMaxRetryWait], min·2ⁿ), and never less than min: with the
// defaults 500ms–1s, then 1s–2s. Every wait is jittered, the first included; only min == max
// gives a fixed wait. A wait the server asks for (Retry-After, or a 429's
// details.retry_after) is used instead, plus a random [0, min/2) so that
// callers told the same time do not return together.
func WithRetryWait(min, max time.Duration) Option {
	return clientOnly("WithRetryWait", func(c *config) error {
		if min <= 0 || max < min {
			return fmt.Errorf("freddy: WithRetryWait(%s, %s): need 0 < min <= max", min, max)
		}
		c.retryWaitMin, c.retryWaitMax = min, max
		return nil
	})
}

// WithMaxRetryWait sets the longest wait a server may ask for that the client
// sleeps before a retry (default 10s); the jitter adds up to half of
// WithRetryWait's min on top. When a server asks for a longer wait, the call
// returns its error at once (a [*RateLimitError] or [*ServerError] with
// RetryAfter set) for the caller to schedule; raise it to let the SDK wait
// longer. Backoff waits are capped at it. It bounds rate-limit pacing's hold
// too: a call whose turn in a spent window is further away is refused at
// once, unsent, with a [*RateLimitError]. d must be positive and not below
// WithRetryWait's min. Given to one call, it applies to that call only.
func WithMaxRetryWait(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("freddy: WithMaxRetryWait(%s): must be positive", d)
		}
		if c.call != nil {
			c.call.maxRetryWait = d
			return nil
		}
		c.maxRetryWait = d
		return nil
	}
}

// WithTimeout sets the timeout of each attempt, from sending the request to
// reading the whole response, redirects included (default 30s). An attempt that times out is
// retried while the caller's context allows. d must be positive; bound the
// whole call with the context. Given to one call, it sets the timeout of
// that call's attempts only.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("freddy: WithTimeout(%s): must be positive", d)
		}
		if c.call != nil {
			c.call.timeout = d
			return nil
		}
		c.timeout, c.timeoutSet = d, true
		return nil
	}
}

// WithUserAgent appends s to the User-Agent "freddy-go/<version>".
func WithUserAgent(s string) Option {
	return clientOnly("WithUserAgent", func(c *config) error { c.userAgent = s; return nil })
}

// WithLogger sets a logger for debug records of each attempt and each retry
// decision. They never contain the API key or a credential value. Without
// this option the SDK writes nothing anywhere.
func WithLogger(l *slog.Logger) Option {
	return clientOnly("WithLogger", func(c *config) error { c.logger = l; return nil })
}

// WithRetryBudget sets the client-wide retry budget shared by every call: a
// bucket of capacity tokens; each retry takes cost tokens; a call that
// succeeds first time returns one token, a call that succeeds after retrying
// returns what it took. With fewer than cost tokens left, failures are
// returned without retrying, so during an outage many goroutines sharing one
// Client do not multiply the load. A retry whose wait is abandoned because
// the context ended gives its tokens back. Default 500 tokens at 5 a retry.
// WithRetryBudget(0, 0) disables the budget; negative values, a capacity
// without a cost, and a capacity below the cost (which could never pay for
// a retry) are errors, and so is a capacity of 0 with a cost.
func WithRetryBudget(capacity, cost int) Option {
	return clientOnly("WithRetryBudget", func(c *config) error {
		if (capacity != 0 || cost != 0) && (capacity <= 0 || cost <= 0 || capacity < cost) {
			return fmt.Errorf("freddy: WithRetryBudget(%d, %d): need capacity >= cost > 0, or 0, 0 to disable the budget", capacity, cost)
		}
		c.budgetSize, c.budgetCost = capacity, cost
		return nil
	})
}

// WithRateLimitPacing turns the Client's rate-limit pacing on (the default)
// or off. On, the Client keeps a view of the rate-limit window from every
// response and holds a call the window has no room for until the reset,
// instead of sending a request the server would refuse (see Client.RateLimit
// and "Rate limits" in docs/reference.md). Off, calls are sent at once and a 429 is
// retried after its Retry-After plus jitter, as in 0.2; Client.RateLimit
// still reports the view. Given to one call, it turns pacing on or off for
// that call only: a call sent unpaced still feeds the view with its
// responses, and the Client's other calls are paced by it.
func WithRateLimitPacing(on bool) Option {
	return func(c *config) error {
		if c.call != nil {
			c.call.pacing, c.call.pacingSet = on, true
			return nil
		}
		c.pacingOff = !on
		return nil
	}
}

// Limiter is a caller's own rate limiter, for limits known in advance or
// shared across processes through a store of the caller's. Wait blocks until
// one request may be sent, or returns an error when it may not (for example
// because ctx would end first). *golang.org/x/time/rate.Limiter satisfies
// it.
type Limiter interface {
	Wait(ctx context.Context) error
}

// WithLimiter makes the Client call l.Wait once before sending each attempt
// (the first and every retry), after its own pacing. The Limiter is rate
// limiting like the pacing: an error from Wait ends the call without
// sending that attempt, as a [*RateLimitError] (StatusCode 0, errors.Is
// [ErrRateLimited], [ErrorKind] "rate_limited") whose chain holds the
// Limiter's error for errors.Is and errors.As, and whose RetryAfter is the
// error's RetryAfter() time.Duration when it has that method. Its wait is
// bounded like every wait before sending: Wait's context ends at the
// call's [WithMaxRetryWait] (less any pacing hold before it) or the
// context's deadline, whichever is first, and reaching it is the same
// refusal; only the caller's cancellation ends the call with the context's
// error. An attempt the Limiter refuses spends nothing of the Client's
// view of the rate-limit window. A nil l sets no limiter.
func WithLimiter(l Limiter) Option {
	return clientOnly("WithLimiter", func(c *config) error { c.limiter = l; return nil })
}

// RequestOption configures one call: the options every method takes last.
// It is Option: the options that make sense for one call (WithMaxRetries,
// WithTimeout, WithMaxRetryWait, WithAPIKey, WithRateLimitPacing,
// WithMiddleware) read the same for a Client and for a call. A nil RequestOption is ignored.
type RequestOption = Option

type requestConfig struct {
	idempotencyKey string
	responseInto   *Response
	header         http.Header
	// Per-call overrides of the client's settings (calloptions.go).
	overrides
	// err is the first bad option, reported by the call before it sends.
	err error
}

// WithIdempotencyKey sets the Idempotency-Key header of one Create call,
// replacing the random UUIDv4 the SDK generates per call. Reuse the key of a
// failed call ([APIError].IdempotencyKey, [RequestError].IdempotencyKey) to retry
// it later without creating a duplicate. An empty key keeps the generated
// one. A key that is not 1 to 255 visible ASCII characters makes Create
// return a [*ParamError]. Other operations are idempotent by nature and ignore
// it.
func WithIdempotencyKey(key string) RequestOption {
	return callOnly("WithIdempotencyKey", func(r *requestConfig) { r.idempotencyKey = key })
}

// WithResponseInto makes the call write its response metadata to dst: the
// response that succeeded, or else the last attempt's (StatusCode 0 when it
// got no response, a zero Response when nothing was sent). dst is written
// before the call returns, on success and on failure. A nil dst is ignored.
func WithResponseInto(dst *Response) RequestOption {
	return callOnly("WithResponseInto", func(r *requestConfig) { r.responseInto = dst })
}

// WithHeader sets an extra header on one call, replacing any value the SDK
// would send under that name. The headers the SDK owns cannot be set this
// way: the credentials X-API-Key, Authorization, Proxy-Authorization and
// Cookie, Idempotency-Key, Content-Type, and the framing headers Host,
// Content-Length, Transfer-Encoding and Connection, nor a name that equals
// one of them once "_" is read as "-" (X_API_KEY; case is ignored); nor a
// connection-specific header net/http refuses to send over HTTP/2
// (Keep-Alive, Proxy-Connection, Upgrade, and TE with any value but
// "trailers"), which would fail every attempt on an HTTP/2 connection. Such
// a key, or a name or value that cannot be sent in HTTP (CR, LF, NUL and
// other control characters, a name that is not a token), makes the call
// return a [*ParamError] naming the header, without sending anything.
func WithHeader(key, value string) RequestOption {
	return callOnly("WithHeader", func(r *requestConfig) {
		if r.err != nil {
			return
		}
		name := http.CanonicalHeaderKey(key)
		switch {
		case !validHeaderName(key):
			r.err = &ParamError{Field: "header " + strconv.Quote(key), Reason: "is not a valid header name"}
		case reservedHeaders[name]:
			r.err = &ParamError{Field: "header " + name, Reason: "is set by the SDK and cannot be overridden with WithHeader"}
		case reservedHeaders[underscoreAsDash(name)]:
			r.err = &ParamError{Field: "header " + name, Reason: "reads as " + underscoreAsDash(name) + " to servers that treat _ as -, and is refused like it"}
		case connectionSpecific(name, value):
			r.err = &ParamError{Field: "header " + name, Reason: "is connection-specific: net/http refuses to send it over HTTP/2"}
		case !validHeaderValue(value):
			r.err = &ParamError{Field: "header " + name, Reason: "has a value with a control character"}
		default:
			if r.header == nil {
				r.header = http.Header{}
			}
			r.header[name] = []string{value}
		}
	})
}

// reservedHeaders are headers WithHeader refuses: the SDK's own, and those
// that frame the request.
var reservedHeaders = map[string]bool{
	"X-Api-Key": true, "Authorization": true, "Cookie": true, "Idempotency-Key": true, "Content-Type": true,
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Proxy-Authorization": true,
}

// connectionSpecific reports whether the header name: value is one net/http
// refuses to send over HTTP/2 (RFC 9113 section 8.2.2) that
// reservedHeaders does not already refuse. name is canonical.
func connectionSpecific(name, value string) bool {
	switch name {
	case "Keep-Alive", "Proxy-Connection", "Upgrade":
		return true
	case "Te":
		return value != "trailers"
	}
	return false
}

// underscoreAsDash is name as CGI and WSGI servers read it, "_" merged with
// "-": a near-copy of a reserved name (X_API_KEY) would reach them as that
// name.
func underscoreAsDash(name string) string {
	return http.CanonicalHeaderKey(strings.ReplaceAll(name, "_", "-"))
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validHeaderValue refuses control characters other than tab, which would
// end the header or split it in two.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
