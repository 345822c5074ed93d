package ratelimit

import (
	"context"
	"time"
)

// Limits bound one attempt's hold (rule 8).
type Limits struct {
	// MaxWait bounds the whole hold, measured from when it began.
	MaxWait time.Duration
	// MinAttempt is the least time an attempt needs before the deadline.
	MinAttempt time.Duration
}

// Refusal is an attempt not sent because its turn came too late (rule 8).
type Refusal struct {
	// Wait is the wait still ahead when it was refused.
	Wait time.Duration
	// Why says which bound refused it, in words for an error message.
	Why string
	// The window as the model saw it; zero for a call's own Hold.
	Limit, Remaining int
	Reset            time.Time
}

func (r *Refusal) Error() string { return "request not sent: " + r.Why }

// refuse judges a wait until at, seen at now, of an attempt whose hold began
// at start: nil when it may wait, else the Refusal.
func (l Limits) refuse(ctx context.Context, start, now, at time.Time) *Refusal {
	wait := at.Sub(now)
	if wait <= 0 {
		return nil
	}
	why := ""
	if d, ok := ctx.Deadline(); ok && !at.Before(d) {
		why = "its turn in the rate-limit window comes after the context deadline"
	} else if ok && d.Sub(at) < l.MinAttempt {
		why = "its turn in the rate-limit window leaves less than " + l.MinAttempt.String() + " before the context deadline"
	} else if at.Sub(start) > l.MaxWait {
		why = "its turn in the rate-limit window is further away than the max retry wait " + l.MaxWait.String()
	}
	if why == "" {
		return nil
	}
	return &Refusal{Wait: wait, Why: why}
}

// Refuse is the refusal an attempt that began waiting at start and would go
// at at meets (rule 8), or nil when it may wait.
func (l Limits) Refuse(ctx context.Context, start, at time.Time) *Refusal {
	return l.refuse(ctx, start, time.Now(), at)
}

// HoldUntil waits until at, by rule 8: a *Refusal at once when the wait may
// not be made, ctx's error when it ends first. start is when the attempt's
// hold began.
func HoldUntil(ctx context.Context, start, at time.Time, lim Limits) error {
	now := time.Now()
	if r := lim.refuse(ctx, start, now, at); r != nil {
		return r
	}
	if !at.After(now) {
		return nil
	}
	return sleep(ctx, at.Sub(now), nil)
}

// sleep waits d, until wake closes, or until ctx ends, and returns ctx's
// error in the last case.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	case <-wake:
	}
	return nil
}

// HoldOf is the Hold of a call whose 429 asked it to wait retryAfter and
// reported r (rule 8): zero when it asked nothing. A Retry-After in whole
// seconds rounds the window's reset up: when the 429 spent a window whose
// reset is within that second before it, the reset is the same time said
// precisely, and the call is held to it, so that its retry takes its turn
// at the reset rather than after the others have spent the window.
func HoldOf(r Report, retryAfter time.Duration, now time.Time) time.Time {
	if retryAfter <= 0 {
		return time.Time{}
	}
	at := now.Add(retryAfter)
	if r.Refused && usable(r, now) && !r.Reset.After(at) && at.Sub(r.Reset) < time.Second {
		return r.Reset
	}
	return at
}
