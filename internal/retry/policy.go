// Package retry holds the SDK's retry policy: which failures are retried, how
// long to wait, and when to stop. The freddy package wires it into
// go-retryablehttp's hooks; every decision is made here.
package retry

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"
)

// Policy is one client's retry configuration, built once in NewClient and
// shared by every call. It is safe for concurrent use.
type Policy struct {
	// MaxRetries is the number of retries after the first attempt.
	MaxRetries int
	// WaitMin and WaitMax bound the exponential backoff.
	WaitMin, WaitMax time.Duration
	// MaxWait is the longest single wait the policy will sleep; a longer one
	// (usually a server's Retry-After) ends the call at once instead.
	MaxWait time.Duration
	// Budget is shared by all calls of the client; nil is unlimited.
	Budget *Budget
	// Jitter returns a value in [0, 1); nil uses math/rand/v2.
	Jitter func() float64
}

// Outcome describes one failed attempt.
type Outcome struct {
	// Attempt is 1 for the first attempt.
	Attempt int
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// Err is the transport or body-read failure, nil when a response arrived.
	Err error
	// Asked is the wait the server asked for (Retry-After), 0 when none.
	Asked time.Duration
}

// Decision says whether to retry, after how long, and why, for the log.
type Decision struct {
	Retry  bool
	Wait   time.Duration
	Reason string
}

// Decide judges a failed attempt. Checks run from the cheapest refusal to the
// budget, so a refused retry never spends tokens.
func (p *Policy) Decide(ctx context.Context, o Outcome) Decision {
	switch {
	case ctx.Err() != nil:
		return Decision{Reason: "context done: " + ctx.Err().Error()}
	case o.Err != nil && !RetryableTransport(o.Err):
		return Decision{Reason: "error is not retryable"}
	case o.Err == nil && !RetryableStatus(o.Status):
		return Decision{Reason: "status " + strconv.Itoa(o.Status) + " is not retryable"}
	case o.Attempt > p.MaxRetries:
		return Decision{Reason: "retries exhausted after " + strconv.Itoa(o.Attempt) + " attempts"}
	}
	wait, why := o.Asked, "server asked (Retry-After)"
	if wait <= 0 {
		wait, why = Backoff(p.WaitMin, p.WaitMax, o.Attempt, p.jitter()), "backoff"
	}
	if wait > p.MaxWait {
		return Decision{Wait: wait, Reason: "wait " + wait.String() + " exceeds the max retry wait " + p.MaxWait.String()}
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return Decision{Wait: wait, Reason: "wait " + wait.String() + " exceeds the time left before the context deadline"}
	}
	if !p.Budget.Take() {
		return Decision{Wait: wait, Reason: "retry budget exhausted"}
	}
	return Decision{Retry: true, Wait: wait, Reason: why}
}

func (p *Policy) jitter() float64 {
	if p.Jitter != nil {
		return p.Jitter()
	}
	return rand.Float64()
}
