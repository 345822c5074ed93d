package freddy

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aitronos/freddy-go/internal/ratelimit"
	"github.com/aitronos/freddy-go/internal/retry"
)

// This file connects the request path to the rate-limit model
// (internal/ratelimit, whose rules are written at the head of its package):
// see feeds it every response, and pace asks it before every attempt. It
// decides nothing itself.

// pacing is what pacing needs to know of one attempt.
type pacing struct {
	// key is the hash of the API key the call sends (ratelimit.KeyOf).
	key string
	op  *op
	// hold is the earliest time this attempt may go: a 429 that held only
	// its own call.
	hold   time.Time
	policy *retry.Policy
	// maxWait is what is left of the policy's max wait for this hold.
	maxWait time.Duration
	// cl is the call: a RateLimitAccount's error is shown as cl shows it.
	cl *call
}

// keyOf is the model's identity of the key a call sends: computed once in
// NewClient for the Client's key, per call for a WithAPIKey key.
func (c *core) keyOf(o *overrides) string {
	if o.apiKey != nil {
		return ratelimit.KeyOf(o.apiKey[0])
	}
	return c.keyHash
}

// see feeds one response to the rate-limit model and the shared account:
// the one place responses reach them (call.observe). apiErr is the
// response's typed error, nil on success. It returns when the call may
// retry, for a 429 that holds only its own call; zero otherwise.
func (cl *call) see(ctx context.Context, h http.Header, apiErr error) time.Time {
	rl, _ := apiErr.(*RateLimitError)
	now := time.Now()
	s := sightingOf(h, rl, now)
	s.report.Sent = cl.sentAt
	c := cl.core
	c.pacer.Observe(cl.key, cl.op.name, s.report)
	if c.account != nil && !s.report.Reset.IsZero() && s.report.Reset.After(now) && s.report.Reset.Sub(now) <= ratelimit.Horizon {
		c.account.observe(ctx, cl, c.bucketOf(cl.key, &cl.op), RateLimitWindow{Limit: s.report.Limit,
			Remaining: s.report.Remaining, Reset: s.report.Reset.Sub(now)})
	}
	return s.hold
}

// pace returns when the attempt may be sent, by the shared account when the
// Client has one that answers, by the Client's own view otherwise, and the
// slot it took from the Client's view: one mechanism for both, so that an
// attempt not sent gives its send back (Pacer.Refund) and a send the account
// granted is booked in the view a fallback attempt is paced by. A call that
// is not paced (Policy.Paced) passes at once and takes nothing.
func (c *core) pace(ctx context.Context, g *pacing) (ratelimit.Slot, error) {
	if !g.policy.Paced {
		return ratelimit.Slot{}, nil
	}
	lim := ratelimit.Limits{MaxWait: g.maxWait, MinAttempt: g.policy.MinAttempt}
	if c.account == nil {
		return c.pacer.Acquire(ctx, g.key, g.op.name, g.hold, lim)
	}
	start := time.Now()
	if !g.hold.IsZero() {
		if err := ratelimit.HoldUntil(ctx, start, g.hold, lim); err != nil {
			return ratelimit.Slot{}, err
		}
	}
	b := c.bucketOf(g.key, g.op)
	for {
		wait, ok := c.account.reserve(ctx, g.cl, b)
		if !ok {
			// The hold so far counts against the max wait.
			lim.MaxWait -= time.Since(start)
			return c.pacer.Acquire(ctx, g.key, g.op.name, time.Time{}, lim)
		}
		if wait <= 0 {
			return c.pacer.Book(g.key, g.op.name), nil
		}
		if err := ratelimit.HoldUntil(ctx, start, time.Now().Add(wait), lim); err != nil {
			var r *ratelimit.Refusal
			if errors.As(err, &r) && c.account.learnsInstead(b, wait) {
				// The account alone would refuse the call: its own view
				// paces it instead (accountgate.go's rule).
				lim.MaxWait -= time.Since(start)
				return c.pacer.Acquire(ctx, g.key, g.op.name, time.Time{}, lim)
			}
			return ratelimit.Slot{}, err
		}
	}
}

// bucketOf names the account's bucket of a call: one per key until the
// model found the key's endpoints have windows of their own.
func (c *core) bucketOf(key string, o *op) RateLimitBucket {
	b := RateLimitBucket{Key: key}
	if c.pacer.Split(key) {
		b.Endpoint = o.method + " " + o.route()
	}
	return b
}

// refusal turns the model's refusal into the call's error: a
// *RateLimitError saying "request not sent"; other errors pass through.
func refusal(err error) error {
	var r *ratelimit.Refusal
	if !errors.As(err, &r) {
		return err
	}
	return &RateLimitError{APIError: APIError{Message: r.Error()}, RetryAfter: r.Wait,
		Limit: r.Limit, Remaining: r.Remaining, ResetAt: r.Reset}
}

// refusedAhead is the refusal a retry would meet at its turn, known before
// its backoff is slept: it goes no sooner than the backoff (wait), its own
// hold (a 429's) and its window's turn (ratelimit.Pacer.Turn). nil when the
// turn may be waited for, when pacing adds nothing to the backoff (the
// policy judged that), or when a shared account paces the call (its turn is
// the account's to say).
func (cl *call) refusedAhead(ctx context.Context, wait time.Duration) error {
	if !cl.policy.Paced || cl.core.account != nil {
		return nil
	}
	now := time.Now()
	after := now.Add(wait)
	at := after
	for _, t := range [...]time.Time{cl.hold, cl.core.pacer.Turn(cl.key, cl.op.name, now)} {
		if t.After(at) {
			at = t
		}
	}
	if !at.After(after) {
		return nil
	}
	lim := ratelimit.Limits{MaxWait: cl.policy.MaxWait, MinAttempt: cl.policy.MinAttempt}
	if r := lim.Refuse(ctx, now, at); r != nil {
		return refusal(r)
	}
	return nil
}
