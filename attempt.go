package freddy

import (
	"errors"
	"net/http"
	"time"
)

// see feeds one response to the Client's view of the rate-limit window: the
// one place responses reach it (call.observe). apiErr is the response's typed
// error, nil on success. It returns when the call may retry, for a 429 that
// holds only its own call; zero otherwise.
func (c *core) see(h http.Header, apiErr error) time.Time {
	rl, _ := apiErr.(*RateLimitError)
	now := time.Now()
	s := sightingOf(h, rl, now)
	c.pacer.observe(s, now)
	return s.hold
}

// notSentError is the error of a call whose next attempt beforeAttempt did
// not let go: the pacer's *RateLimitError, completed with the call's
// attempts and key, or else a *RequestError around the cause. waiting says
// a retry, not the first attempt, was refused.
func notSentError(err error, attempts int, idemKey string, lastAPI error, waiting bool) error {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		rl.Attempts, rl.IdempotencyKey = attempts, idemKey
		return rl
	}
	return &RequestError{Attempts: attempts, IdempotencyKey: idemKey, Err: err, LastAPIError: lastAPI, waiting: waiting}
}
