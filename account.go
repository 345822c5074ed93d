package freddy

import (
	"context"
	"time"
)

// RateLimitAccount keeps the account of the server's rate-limit windows for
// several Clients at once: replicas of a service sharing one API key. The
// redisfreddy module implements it on Redis. Install one with
// WithRateLimitAccount; a Client without one keeps its account in memory.
//
// The Client reads every response's rate-limit headers itself (the SDK's one
// parser) and reports what they said with Observe; before each attempt (the
// first and every retry) it asks Reserve for one send, and counts each send
// Reserve grants in its own view too, so that pacing by its own view (below)
// never sees room the account already gave away. A send Reserve granted
// that is then not sent (a Limiter refused it, a middleware did not call
// next) is not reported back: the account counts it. An account that
// returns an error, or does not answer within the Client's bound, is not
// trusted for that attempt: the Client paces it by its own view, so an
// account can never make a call fail or hang. Nor is a wait Reserve asks
// for followed past what the server itself could impose (with a reset's
// tolerance): past the reset of the window this Client's own responses last
// reported for the bucket while it is ahead, longer than the longest
// window they reported once it is not, or longer than the documented window
// (60 seconds) before they reported one. Such a wait sends one attempt,
// paced by the Client's own view, to learn the window; its response,
// reported with Observe, corrects the account, and when it shows the server
// had room before the wait's end the account is not trusted, as when it
// fails.
// Implementations must be safe for concurrent use.
type RateLimitAccount interface {
	// Reserve books one send in bucket b's current window. It returns 0
	// when the send may go now, or how long to wait before asking again
	// (the window is spent until then). An error means the account cannot
	// answer.
	Reserve(ctx context.Context, b RateLimitBucket) (time.Duration, error)
	// Observe records what one response said about bucket b's window. A
	// reset sooner than the one the account holds (by more than a reset's
	// precision) is the server correcting the account, which should take
	// the window as w says. An error means the account could not record
	// it.
	Observe(ctx context.Context, b RateLimitBucket, w RateLimitWindow) error
}

// RateLimitBucket names one rate-limit window the server keeps.
type RateLimitBucket struct {
	// Key identifies the API key: a hash of it, never the key nor any part
	// of it.
	Key string
	// Endpoint is empty when the server keeps one window per API key, and
	// names the endpoint ("POST /v1/personal-connectors/configurations")
	// when its responses show one window per endpoint.
	Endpoint string
}

// RateLimitWindow is what one response said about a bucket's window.
type RateLimitWindow struct {
	// Limit is the requests allowed in the window.
	Limit int
	// Remaining is the requests left in the window when the response was
	// made.
	Remaining int
	// Reset is the time from the response to the window's reset. It is a
	// duration, not a time, so that replicas need not agree on the clock.
	Reset time.Duration
}

// WithRateLimitAccount makes the Client keep its account of the rate-limit
// windows in a, shared with every Client given the same account, instead of
// in memory alone. A nil a keeps the in-memory account. Each call to a is
// bounded by DefaultAccountTimeout (or the bound a names, when it
// implements RateLimitAccountTimeout) and the call's deadline; while a fails or
// does not answer, the Client paces by its own view, and an Observer that
// implements RateLimitAccountObserver hears of each change.
func WithRateLimitAccount(a RateLimitAccount) Option {
	return clientOnly("WithRateLimitAccount", func(c *config) error { c.account = a; return nil })
}
