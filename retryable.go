package freddy

import (
	"context"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/aitronos/freddy-go/internal/ratelimit"
	"github.com/aitronos/freddy-go/internal/redact"
	"github.com/aitronos/freddy-go/internal/retry"
)

// This file only adapts go-retryablehttp: each hook translates one of its
// calls into the request path of request.go (observe, finalError,
// beforeAttempt) and the decisions of retry.Policy. The library behaviour
// the hooks account for (when each hook runs, what it may return) is in
// go-retryablehttp v0.7.8's client.go, Client.Do.
//
// The seams of the request path, where new behaviour is layered rather than
// added inside the hooks:
//   - pacing, before each attempt: core.beforeAttempt (request.go), run for
//     the first attempt by core.do and for every retry by prepareRetry;
//   - middleware, around each attempt: rc.HTTPClient, which call.begin
//     (observe.go) sets per call to the client's http.Client or, when there
//     is middleware or an Observer, to core.layeredClient, whose transport
//     runs them once per attempt (middleware.go);
//   - the observation hook, around the call: call.begin and call.end around
//     everything core.do does, the params' refusal and the first pacing
//     wait included (observe.go).

// call is one operation and its retries: the retryablehttp client, whose
// hooks are bound to the call once, when the pool creates it (so a call
// allocates no closures), and the state of this use of it.
type call struct {
	rc   retryablehttp.Client
	core *core
	callState
}

// callState is everything a call learns while it runs. release resets it by
// assigning a fresh value, so a field added here cannot leak into the next
// pooled call.
type callState struct {
	op op
	// policy is the client's, or a copy with the call's overrides.
	policy *retry.Policy
	// wire is what the call's requests carry (sent.go): allocated per call,
	// never pooled, and dropped here on release.
	wire *wire
	// layered: the call runs through middleware or an Observer.
	layered bool
	// obs observes the call when the client has an Observer.
	obs    CallObserver
	waited time.Duration

	scrub *redact.Scrubber // built on the first need, then reused
	// tries counts the attempts the retry loop made, for the policy;
	// attempts those of them that were sent (sent.go), for the caller.
	tries    int
	attempts int
	retries  int
	lost     bool
	// undecoded: a 2xx answer could not be decoded (ErrOutcomeUnknown).
	undecoded bool
	wait      time.Duration
	body      []byte
	header    http.Header
	status    int
	lastAPI   error
	final     error
	// hold is when a retry may be sent after a 429 that held only this call.
	hold time.Time
	// slot is what pacing took from the Client's view for the attempt
	// under way, given back if it was not sent or reached no server
	// (call.observe).
	slot ratelimit.Slot
	// key is the rate-limit model's identity of the call's API key;
	// sentAt is when the current attempt passed the pacing seam.
	key    string
	sentAt time.Time
	// serverFailed: some attempt got a 5xx or an unfollowed 3xx
	// (ErrOutcomeUnknown).
	serverFailed bool
	// waitFrom is when the wait before a granted retry began; zero when no
	// wait is under way (see stopWaitClock).
	waitFrom time.Time
}

func newCall(c *core) *call {
	cl := &call{core: c}
	// Seam (middleware, around each attempt): retryablehttp sends every
	// attempt through rc.HTTPClient; call.begin picks it per call, the
	// layered client when middleware or an Observer must see each attempt
	// once (its redirect hops inside it).
	cl.rc.HTTPClient = c.httpClient
	// nil: retryablehttp's default logger writes to stderr. The SDK logs its
	// own records, and only through [WithLogger].
	cl.rc.Logger = nil
	cl.rc.RetryMax = c.policy.MaxRetries
	cl.rc.RetryWaitMin, cl.rc.RetryWaitMax = c.policy.WaitMin, c.policy.WaitMax
	cl.rc.CheckRetry = cl.checkRetry
	cl.rc.Backoff = cl.backoff
	cl.rc.PrepareRetry = cl.prepareRetry
	cl.rc.ErrorHandler = cl.errorHandler
	return cl
}

// release resets a call and returns it to the pool. Nothing a caller
// receives refers to it. rc is left as it is: its hooks stay bound. The body
// buffer is kept for reuse unless it grew past pooledBodyCap.
func (c *core) release(cl *call) {
	if cl.wire != nil {
		cl.wire.ended.Store(true)
	}
	body := cl.body[:0]
	if cap(body) > pooledBodyCap {
		body = nil
	}
	cl.callState = callState{body: body}
	c.calls.Put(cl)
}

// checkRetry is the CheckRetry hook. observe reads the attempt while
// retryablehttp still holds the response (so that the error decoder and the
// Retry-After in the body see it before retryablehttp drains it); the
// policy decides; finalError builds what the call returns when it stops.
func (cl *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	outcome, apiErr, err := cl.observe(ctx, resp, err)
	cl.logAttempt(ctx, firstErr(apiErr, err))
	if apiErr == nil && err == nil {
		return false, nil
	}
	d := cl.policy.Decide(ctx, outcome)
	cl.logDecision(ctx, d)
	if d.Retry {
		if err := cl.refusedAhead(ctx, d.Wait); err != nil {
			// Pacing would refuse the retry at its turn: said now, not
			// after the backoff.
			cl.final = cl.refusedRetry(err)
			return false, cl.final
		}
		cl.grant(d, outcome.Err)
		return true, nil
	}
	cl.final = cl.finalError(endedBy(ctx, d), apiErr, err)
	return false, cl.final
}

// backoff is the Backoff hook: the wait was decided in checkRetry, which had
// the context and the body that retryablehttp does not pass here.
func (cl *call) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	return cl.wait
}

// prepareRetry is the PrepareRetry hook, run after the wait and before each
// retry: a retry is never sent once the context has ended.
func (cl *call) prepareRetry(req *http.Request) error {
	// The backoff already slept counts against the max wait, so that a
	// sleep and a pacing hold together stay within WithMaxRetryWait.
	var err error
	cl.slot, err = cl.core.beforeAttempt(req.Context(), &pacing{key: cl.key, op: &cl.op, hold: cl.hold, policy: cl.policy,
		maxWait: cl.policy.MaxWait - time.Since(cl.waitFrom), cl: cl})
	cl.stopWaitClock()
	cl.sentAt = time.Now()
	if err != nil {
		cl.abandon(req.Context(), cl.shownRefusal(err))
		return cl.final
	}
	return nil
}

// errorHandler is the ErrorHandler hook. checkRetry has already built the
// typed error; this keeps retryablehttp from replacing it with its generic
// "giving up after N attempt(s)".
func (cl *call) errorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if cl.final == nil {
		// retryablehttp gives up on its own only when RetryMax runs out
		// while Decide still grants a retry; the two are built from one
		// policy, so this is defence, not a path.
		cl.final = cl.finalError(nil, nil, cl.scrubber().Error(err))
	}
	return nil, cl.final
}

// scrubber removes the call's API key, the Client's (when the call has a
// key of its own: a server may echo the key it knows the caller by) and the
// call's credential values from text a server sent. It is built on the
// first error (or metadata request) of a call, never on the success path.
func (cl *call) scrubber() *redact.Scrubber {
	if cl.scrub == nil {
		cl.scrub = redact.NewKeys(cl.apiKeys(), cl.op.creds.tree())
	}
	return cl.scrub
}

// bodyScrubber is the call's scrubber that also knows every credential
// value in body, a response's: an error shows a body in part (its snippet,
// message or details), and a credential the server echoes there must not
// show, whoever's it is (the lifecycle page's tolerance rule 3), where the
// call's scrubber knows only the call's own.
func (cl *call) bodyScrubber(body []byte) *redact.Scrubber {
	echoed := redact.JSONCredentialValues(body)
	if echoed == nil {
		return cl.scrubber()
	}
	return redact.NewKeys(cl.apiKeys(), map[string]any{"sent": cl.op.creds.tree(), "echoed": echoed})
}

// apiKeys are the keys the call's scrubbers remove: the call's, and the
// Client's when the call has one of its own (a server may echo the key it
// knows the caller by).
func (cl *call) apiKeys() []string {
	keys := cl.core.apiKeyOf(&cl.op.opts.overrides)
	if own := cl.core.apiKey(); keys[0] != own[0] {
		keys = []string{keys[0], own[0]}
	}
	return keys
}

// shown is err, an error of the caller's own code (a Limiter's, a
// RateLimitAccount's), fit to show: its text may quote the API key or a
// credential, so when the call's scrubber changes it, an error with the
// scrubbed text that unwraps to err; err itself otherwise.
func (cl *call) shown(err error) error {
	msg := err.Error()
	if s := cl.scrubber().String(msg); s != msg {
		return &shownError{msg: s, err: err}
	}
	return err
}

// shownError is an error with its text scrubbed that unwraps to the
// original.
type shownError struct {
	msg string
	err error
}

func (e *shownError) Error() string { return e.msg }
func (e *shownError) Unwrap() error { return e.err }

// refusal is the error of a call refused before its first attempt, fit to
// show: a ParamError keeps its type and field.
func (cl *call) refusal(err error) error {
	if pe, ok := err.(*ParamError); ok {
		return pe.scrubbed(cl.scrubber())
	}
	return cl.scrubber().Error(err)
}
