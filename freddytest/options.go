package freddytest

import (
	"net"
	"time"
)

// DefaultAPIKey is the key a Server accepts when WithAPIKeys is not given.
const DefaultAPIKey = "fk_test_0123456789abcdef"

// The owner the server writes into every configuration it creates. They are
// fixed so that tests can assert them.
const (
	DefaultUserID         = "user_emulator"
	DefaultOrganizationID = "org_emulator"
)

// config is what the options set; NewServer fills in the defaults.
type config struct {
	apiKeys   []string
	rateLimit int
	window    time.Duration
	now       func() time.Time
	forbidden []string
	listener  net.Listener

	requestLog        int
	idempotencyWindow time.Duration
	noIdempotency     bool
	control           bool
	controlRemote     bool
	tls               bool
	tlsHosts          []string
}

// Option configures a Server in NewServer or Start. Later options override
// earlier ones, except WithAPIKeys and WithForbiddenConnectors, which add.
type Option func(*config)

// WithAPIKeys sets the keys the server accepts, as X-API-Key or as
// "Authorization: Bearer <key>". Server.APIKey is the first of them. Empty
// strings are ignored; with no key at all the server accepts DefaultAPIKey.
// Several calls add up.
func WithAPIKeys(keys ...string) Option {
	return func(c *config) {
		for _, k := range keys {
			if k != "" {
				c.apiKeys = append(c.apiKeys, k)
			}
		}
	}
}

// DefaultRateLimit is the requests a key may make per window when
// WithRateLimit does not say: high enough that no test meets it, so that
// every response still carries the rate-limit headers the API sends.
const DefaultRateLimit = 1_000_000

// WithRateLimit allows each API key requests per window, in fixed windows
// that start at the key's first request; the request over the limit gets the
// documented 429. requests <= 0 keeps the default, DefaultRateLimit, which
// no test reaches; window <= 0 means one minute. Either way every response
// carries both rate-limit header families, as the API's do. Requests
// without a valid key are answered 401 without being counted.
func WithRateLimit(requests int, window time.Duration) Option {
	return func(c *config) {
		c.rateLimit, c.window = requests, window
	}
}

// WithClock sets the server's clock: it dates created_at and updated_at,
// testedAt and lastSyncAt, error timestamps, and drives the rate-limit
// windows, reset times and Retry-After. now must be safe for concurrent use.
// nil means time.Now. The X-Request-Id and Freddy-Processing-Ms headers do
// not depend on it.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithForbiddenConnectors makes creating a configuration of any of these
// personal connector IDs (e.g. "pcon_github") answer the documented 403
// FORBIDDEN envelope. It affects Create only. Several calls add up.
func WithForbiddenConnectors(personalConnectorIDs ...string) Option {
	return func(c *config) { c.forbidden = append(c.forbidden, personalConnectorIDs...) }
}

// WithListener makes the server accept connections on l instead of a new
// loopback listener, e.g. one on a fixed port. Server.URL is "http://" plus
// l's address, except that a listener on every interface (0.0.0.0, ::) is
// named by the loopback address of its family (127.0.0.1, ::1): a URL a
// client on this machine can dial and, with WithTLS, verify against the
// certificate. The server owns l: Close closes it. nil keeps the default.
func WithListener(l net.Listener) Option {
	return func(c *config) { c.listener = l }
}

func newConfig(opts []Option) *config {
	c := &config{requestLog: DefaultRequestLog, idempotencyWindow: DefaultIdempotencyWindow}
	for _, opt := range opts {
		if opt != nil {
			opt(c)
		}
	}
	if len(c.apiKeys) == 0 {
		c.apiKeys = []string{DefaultAPIKey}
	}
	if c.window <= 0 {
		c.window = time.Minute
	}
	if c.rateLimit <= 0 {
		c.rateLimit = DefaultRateLimit
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}
