// Package retry holds the SDK's retry policy: which failures are retried, how
// long to wait, and when to stop. The freddy package wires it into
// go-retryablehttp's hooks; every decision is made here.
package retry

import (
	"context"
	"math/rand/v2"
	"net/http"
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
	// MaxWait is the longest Retry-After the policy will honour (a longer one
	// ends the call at once) and the cap of the backoff. The jitter added to
	// an honoured Retry-After may go up to WaitMin/2 beyond it, so that
	// callers told to wait exactly MaxWait still spread out.
	MaxWait time.Duration
	// MinAttempt is the least time a retry needs before the caller's
	// deadline: a wait that would leave less is refused, because the attempt
	// could only fail at the deadline.
	MinAttempt time.Duration
	// Budget is shared by all calls of the client; nil is unlimited.
	Budget *Budget
	// Jitter returns a value in [0, 1); nil uses math/rand/v2.
	Jitter func() float64
	// Paced is set when the caller holds each attempt until the rate-limit
	// window has room: a 429 that asked for a wait is then retried with no
	// wait of its own and no jitter, which would push it past the start of
	// the window it waited for.
	Paced bool
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
	Retry bool
	// ContextDone is set when only the caller's context kept a retryable
	// failure from being retried: the context, not the server, ended the
	// call.
	ContextDone bool
	Wait        time.Duration
	// Held is, for a paced retry, the wait the server asked for, which the
	// caller's pacer holds the retry for instead of Wait: the time the
	// retry is expected to wait, for observers.
	Held   time.Duration
	Reason string
}

// ReasonAsked is the Reason of a retry whose wait the server asked for.
const ReasonAsked = "server asked (Retry-After)"

// Decide judges a failed attempt. Checks run from the cheapest refusal to the
// budget, so a refused retry never spends tokens. A failure that is not
// retryable is final whatever the context: its answer stands.
func (p *Policy) Decide(ctx context.Context, o Outcome) Decision {
	switch {
	case o.Err != nil && !RetryableTransport(o.Err):
		return Decision{Reason: "error is not retryable"}
	case o.Err == nil && !RetryableStatus(o.Status):
		return Decision{Reason: "status " + strconv.Itoa(o.Status) + " is not retryable"}
	case ctx.Err() != nil:
		return Decision{ContextDone: true, Reason: "context done: " + ctx.Err().Error()}
	case o.Attempt > p.MaxRetries:
		return Decision{Reason: "retries exhausted after " + strconv.Itoa(o.Attempt) + " attempts"}
	case o.Asked > p.MaxWait:
		return Decision{Wait: o.Asked, Reason: "asked wait " + o.Asked.String() + " exceeds the max retry wait " + p.MaxWait.String()}
	}
	paced := p.Paced && o.Status == http.StatusTooManyRequests && o.Asked > 0
	wait, why := Asked(o.Asked, p.WaitMin, p.jitter()), ReasonAsked
	if paced {
		wait = o.Asked
	}
	if o.Asked <= 0 {
		// The cap applies before the jitter, so capped waits stay spread.
		wait, why = Backoff(p.WaitMin, max(p.WaitMin, min(p.WaitMax, p.MaxWait)), o.Attempt, p.jitter()), "backoff"
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait+p.MinAttempt {
		return Decision{Wait: wait, Reason: "wait " + wait.String() + " leaves less than " + p.MinAttempt.String() + " for an attempt before the context deadline"}
	}
	if !p.Budget.Take() {
		return Decision{Wait: wait, Reason: "retry budget exhausted"}
	}
	if paced {
		return Decision{Retry: true, Held: o.Asked, Reason: ReasonAsked + "; held by the pacer until the reset"}
	}
	return Decision{Retry: true, Wait: wait, Reason: why}
}

func (p *Policy) jitter() float64 {
	if p.Jitter != nil {
		return p.Jitter()
	}
	return rand.Float64()
}
