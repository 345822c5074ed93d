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

// keptAnswer is the error a call returns when pacing refused its retry: the
// last response's own typed error (a 5xx or a 429: a request was sent, and
// its code and trace_id stand), with RetryAfter the wait pacing would have
// asked. It returns nil for any other refusal (the context, a Limiter).
func keptAnswer(refusal, lastAPI error) error {
	var rl *RateLimitError
	if !errors.As(refusal, &rl) || rl.StatusCode != 0 {
		return nil
	}
	switch last := lastAPI.(type) {
	case *ServerError:
		last.RetryAfter = rl.RetryAfter
		return last
	case *RateLimitError:
		last.RetryAfter = rl.RetryAfter
		return last
	}
	return nil
}
