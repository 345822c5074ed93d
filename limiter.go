package freddy

import (
	"context"
	"errors"
	"time"
)

// A caller's Limiter is rate limiting like the Client's own pacing: its
// refusal is a *RateLimitError (StatusCode 0, "request not sent"), never a
// transport failure, and its wait is a wait before sending like any other,
// bounded by the call's max retry wait and by the context's deadline. Only
// the caller's cancellation is not a refusal: the call then returns the
// context's error, as everywhere else.

// waitLimiter asks the Limiter for one send, waiting at most bound. It
// returns nil when the attempt may go, the context's error when the caller
// cancelled, and the refusal otherwise: the Limiter's own error, or the
// bound (bound or the context's deadline) reached before the Limiter let the
// attempt go.
func (c *core) waitLimiter(ctx context.Context, bound time.Duration) error {
	lctx, cancel := context.WithTimeout(ctx, max(bound, 0))
	defer cancel()
	err := c.limiter.Wait(lctx)
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return ctx.Err()
	case err == nil && ctx.Err() == nil:
		return nil
	case err == nil || lctx.Err() != nil:
		// The bound was reached, whether the Limiter said so or let the
		// attempt go after the caller's deadline: its error, if any, is
		// the bound's context error echoed, and says nothing the refusal
		// does not.
		why := "its wait reached the max retry wait " + bound.String()
		if ctx.Err() != nil {
			why = "its wait reached the context deadline"
		}
		return limiterRefusal(&limiterError{why: why})
	}
	return limiterRefusal(&limiterError{err: err})
}

// limiterError is the cause of a Limiter's refusal: the Limiter's error, or
// why the SDK stopped waiting for it. Its text says where it came from.
type limiterError struct {
	err error
	why string
}

func (e *limiterError) Error() string {
	if e.err != nil {
		return "limiter: " + e.err.Error()
	}
	return "limiter: " + e.why
}

func (e *limiterError) Unwrap() error { return e.err }

// limiterRefusal is the *RateLimitError of an attempt a Limiter did not let
// go. RetryAfter is the Limiter's, when its error has a RetryAfter()
// time.Duration method.
func limiterRefusal(cause *limiterError) *RateLimitError {
	rl := &RateLimitError{APIError: APIError{Message: "request not sent: " + cause.Error(), cause: cause}}
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(cause.err, &ra) {
		rl.RetryAfter = max(ra.RetryAfter(), 0)
	}
	return rl
}

// shownRefusal is err, a refusal beforeAttempt returned, fit to show: a
// Limiter's error is the caller's text and may quote the API key or a
// credential, so its text is scrubbed with the call's scrubber, as a
// middleware's error is. The scrubbed error unwraps to the Limiter's own, so
// errors.Is and errors.As still reach it. The scrubber is built only for a
// Limiter's error.
func (cl *call) shownRefusal(err error) error {
	var lim *limiterError
	var rl *RateLimitError
	if !errors.As(err, &lim) || lim.err == nil || !errors.As(err, &rl) {
		return err
	}
	if shown := cl.shown(lim.err); shown != lim.err {
		lim.err = shown
		rl.Message = "request not sent: " + lim.Error()
	}
	return err
}
