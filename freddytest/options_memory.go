package freddytest

import "time"

// DefaultIdempotencyWindow is how long a Server remembers a successful
// Create's Idempotency-Key when WithIdempotencyWindow does not say.
const DefaultIdempotencyWindow = 24 * time.Hour

// WithRequestLog makes Requests keep the last n requests instead of the last
// DefaultRequestLog (1,000); older ones are dropped and counted by
// DroppedRequests. 0 keeps none; a negative n keeps the default. A logged
// body holds at most 1 MiB, so n bounds the log's memory at about n MiB
// plus headers.
func WithRequestLog(n int) Option {
	return func(c *config) {
		if n >= 0 {
			c.requestLog = n
		}
	}
}

// WithIdempotencyWindow sets how long after a successful Create its
// Idempotency-Key is remembered (default DefaultIdempotencyWindow, 24 h),
// by the server's clock (WithClock). Once the window has passed, the same
// key creates again, as a new key would, and the record's memory is freed.
// d <= 0 keeps the default.
func WithIdempotencyWindow(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.idempotencyWindow = d
		}
	}
}

// WithoutIdempotency makes the server ignore Idempotency-Key, as a server
// that does not implement it would: every Create that succeeds stores a new
// configuration, so a retry after a lost response (FaultDropAfterCommit)
// stores a second one. The API reference does not document the header; use
// this to see what a retry costs where it is not honoured.
func WithoutIdempotency() Option {
	return func(c *config) { c.noIdempotency = true }
}
