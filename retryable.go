package freddy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/aitronos/freddy-go/internal/httpx"
	"github.com/aitronos/freddy-go/internal/redact"
	"github.com/aitronos/freddy-go/internal/retry"
)

// This file adapts go-retryablehttp to the SDK: its hooks read each response
// while retryablehttp still holds it, build the typed error, and hand every
// decision to retry.Policy. See ../shared/notes/retryablehttp.md for the
// library behaviour the hooks account for.

// Response body limits: an error body is small, a success body is one object
// or one page. Over the limit the call fails and the connection is dropped
// rather than drained.
const (
	errorBodyLimit   = 1 << 20
	successBodyLimit = 10 << 20
	// pooledBodyCap keeps one huge response from pinning its buffer in the
	// pool for the life of the process.
	pooledBodyCap = 64 << 10
)

// call is the state of one operation and its retries. The retryablehttp
// hooks are bound to it once, when the pool creates it, so a call allocates
// no closures.
type call struct {
	rc   retryablehttp.Client
	core *core
	op   op
	// attempt carries the per-attempt deadline across redirect hops.
	attempt httpx.Attempt

	scrub    *redact.Scrubber // built on the first need, then reused
	attempts int
	retries  int
	lost     bool
	wait     time.Duration
	body     []byte
	header   http.Header
	status   int
	lastAPI  error
	final    error
}

func newCall(c *core) *call {
	cl := &call{core: c}
	cl.rc.HTTPClient = c.httpClient
	// nil: retryablehttp's default logger writes to stderr. The SDK logs its
	// own records, and only through WithLogger.
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
// receives refers to it. rc is left as it is: its hooks stay bound.
func (c *core) release(cl *call) {
	cl.body = cl.body[:0]
	if cap(cl.body) > pooledBodyCap {
		cl.body = nil
	}
	cl.op, cl.attempt = op{}, httpx.Attempt{}
	cl.scrub, cl.header, cl.lastAPI, cl.final = nil, nil, nil, nil
	cl.attempts, cl.retries, cl.status, cl.wait, cl.lost = 0, 0, 0, 0, false
	c.calls.Put(cl)
}

// checkRetry is the CheckRetry hook: it reads the response body (so that the
// error decoder and the Retry-After in the body see it before retryablehttp
// drains it), turns a failure into its typed error, and asks the policy.
func (cl *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	cl.attempts++
	var apiErr error
	cl.status, cl.header = 0, nil
	if err == nil {
		cl.status, cl.header = resp.StatusCode, resp.Header
		ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
		limit := int64(errorBodyLimit)
		if ok {
			limit = successBodyLimit
		}
		cl.body, err = httpx.ReadBody(resp.Body, cl.body[:0], resp.ContentLength, limit)
		resp.Body = http.NoBody
		if err == nil && ok {
			cl.logAttempt(ctx, nil)
			return false, nil
		}
		if err == nil {
			apiErr = newAPIError(resp.StatusCode, resp.Header, cl.body, cl.op.idemKey, cl.attempts, cl.scrubber(), time.Now())
			cl.lastAPI = apiErr
		}
	}
	// The policy judges the error as it came; everything kept or logged is
	// its scrubbed form.
	raw := err
	if err != nil {
		cl.lost = cl.lost || mayHaveArrived(err)
		err = cl.scrubbed(err)
	}
	cl.logAttempt(ctx, firstErr(apiErr, err))
	d := cl.core.policy.Decide(ctx, retry.Outcome{Attempt: cl.attempts, Status: cl.status, Err: raw, Asked: retryAfterOf(apiErr)})
	cl.logDecision(ctx, d)
	if d.Retry {
		cl.retries++
		cl.wait = d.Wait
		return true, nil
	}
	switch {
	case d.ContextDone:
		// The context, not the server, ended the call: the caller sees its
		// own context error, and the last API error as a field.
		if err == nil || !errors.Is(err, ctx.Err()) {
			err = ctx.Err()
		}
		cl.final = &RequestError{Attempts: cl.attempts, IdempotencyKey: cl.op.idemKey, Err: err, LastAPIError: cl.lastAPI}
	case apiErr != nil:
		cl.final = apiErr
	default:
		cl.final = &RequestError{Attempts: cl.attempts, IdempotencyKey: cl.op.idemKey, Err: err}
	}
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
	if err := notSendable(req.Context()); err != nil {
		cl.abandon(req.Context(), err)
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
		// Unreachable while Decide and RetryMax agree; kept safe anyway.
		if err != nil {
			err = cl.scrubbed(err)
		}
		cl.final = &RequestError{Attempts: cl.attempts, IdempotencyKey: cl.op.idemKey, Err: err}
	}
	return nil, cl.final
}

// scrubber removes the client's API key and the call's credential values
// from text a server sent. It is built on the first error (or metadata
// request) of a call, never on the success path.
func (cl *call) scrubber() *redact.Scrubber {
	if cl.scrub == nil {
		cl.scrub = redact.New(cl.core.apiKey()[0], cl.op.creds.tree())
	}
	return cl.scrub
}

// mayHaveArrived reports whether a failed attempt's request may have reached
// the server, which may then have acted on it: every failure but one to
// connect (a refused or timed-out dial, to the server or to a proxy, a
// failed DNS lookup), where nothing was sent. An attempt timeout keeps the
// transport's error in its Err, which says which.
func mayHaveArrived(err error) bool {
	var te *httpx.TimeoutError
	if errors.As(err, &te) && te.Err != nil {
		err = te.Err
	}
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect"):
		return false
	case errors.As(err, &dns):
		return false
	}
	return true
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
