package freddy

import (
	"errors"
)

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

// limiterError is a Limiter's refusal: its text says where it came from.
type limiterError struct{ err error }

func (e *limiterError) Error() string { return "limiter: " + e.err.Error() }
func (e *limiterError) Unwrap() error { return e.err }
