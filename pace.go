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

// gate is what pacing needs to know of one attempt.
type gate struct {
	// key is the hash of the API key the call sends (ratelimit.KeyOf).
	key string
	op  *op
	// hold is the earliest time this attempt may go: a 429 that held only
	// its own call.
	hold   time.Time
	policy *retry.Policy
	// maxWait is what is left of the policy's max wait for this hold.
	maxWait time.Duration
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
		c.account.observe(ctx, c.bucketOf(cl.key, &cl.op), RateLimitWindow{Limit: s.report.Limit,
			Remaining: s.report.Remaining, Reset: s.report.Reset.Sub(now)})
	}
	return s.hold
}

// pace returns when the attempt may be sent, by the shared account when the
// Client has one that answers, by the Client's own view otherwise.
func (c *core) pace(ctx context.Context, g *gate) error {
	if !c.pacingOn {
		return nil
	}
	lim := ratelimit.Limits{MaxWait: g.maxWait, MinAttempt: g.policy.MinAttempt}
	if c.account == nil {
		return c.pacer.Acquire(ctx, g.key, g.op.name, g.hold, lim)
	}
	start := time.Now()
	if !g.hold.IsZero() {
		if err := ratelimit.HoldUntil(ctx, start, g.hold, lim); err != nil {
			return err
		}
	}
	b := c.bucketOf(g.key, g.op)
	for {
		wait, ok := c.account.reserve(ctx, b)
		if !ok {
			return c.pacer.Acquire(ctx, g.key, g.op.name, time.Time{}, lim)
		}
		if wait <= 0 {
			return nil
		}
		if err := ratelimit.HoldUntil(ctx, start, time.Now().Add(wait), lim); err != nil {
			return err
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
