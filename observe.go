package freddy

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aitronos/freddy-go/internal/httpx"
	"github.com/aitronos/freddy-go/internal/retry"
)

// Observer sees every call a Client makes, for tracing and metrics (the
// otelfreddy module implements it for OpenTelemetry). Install one with
// WithObserver. The SDK calls it from the goroutine that runs the call (for
// a page ListAll fetches ahead, the goroutine fetching it, so an Observer
// must be safe for concurrent use); nothing it is
// given holds the API key or a credential value: the request
// CallObserver.Attempt sees has X-Api-Key "[REDACTED]" and no body
// (http.NoBody, ContentLength as sent), a redirect hop's request has no
// redirect Response and its URL (the server's Location) scrubbed of both,
// and the request it passes to next is sent with the real key, body and
// URL; the response next returns to it is a
// view with its status line, header, trailer and body scrubbed of every
// 8-byte run of the key and the credential values (an error, scrubbed too),
// while the SDK reads the real response.
type Observer interface {
	// ObserveCall is called once per call, before anything else the call
	// does: before its params are judged and before it waits for its turn
	// in the rate-limit window, so that the observation covers the wait.
	// The context it returns is the parent of every attempt's request (a
	// span context, for instance); the CallObserver sees the rest of the
	// call. A nil context leaves the call's own; a nil CallObserver sees
	// nothing more of the call. Every call is observed, one refused before
	// its first attempt (bad params, the pacer, a Limiter) included: its
	// End reports 0 attempts, the error and its kind.
	ObserveCall(ctx context.Context, info CallInfo) (context.Context, CallObserver)
}

// CallObserver sees one call, from its start to its end.
type CallObserver interface {
	// Attempt runs around each request the call sends, like a Middleware,
	// after every middleware, closest to the network: once per attempt, and
	// once more for each redirect net/http follows within it (a 307 and
	// the request it leads to are two requests of one attempt, with the
	// same AttemptFromContext; the OpenTelemetry conventions make each a
	// span of its own). The response it sees is that request's, a 307
	// included.
	Attempt(req *http.Request, next MiddlewareNext) (*http.Response, error)
	// Retry is called after a failed attempt that will be retried, before
	// the wait.
	Retry(RetryInfo)
	// End is called once, when the call returns.
	End(CallResult)
}

// CallInfo describes a call as it starts.
type CallInfo struct {
	// Operation is the method's name: "Create", "Get", "List", "Update",
	// "SetEnabled", "Test" or "Delete".
	Operation string
	// Method is the HTTP method.
	Method string
	// Route is the path template, without the configuration ID:
	// "/v1/personal-connectors/configurations/{id}/test".
	Route string
	// ConfigurationID is the id the operation acts on; empty for Create and
	// List.
	ConfigurationID string
	// IdempotencyKey is the key every attempt of a Create sends.
	IdempotencyKey string
}

// RetryInfo describes a retry the policy granted.
type RetryInfo struct {
	// Attempt is the failed attempt's number, 1 for the first.
	Attempt int
	// StatusCode is the failed attempt's status; 0 when no response arrived.
	StatusCode int
	// Reason is why the attempt failed: "rate_limited" (429),
	// "server_error" (5xx), "timeout" (WithTimeout) or "transport".
	Reason string
	// Wait is the time the call is to sleep before the retry; the retry may
	// still not be sent (the context ends, the pacer refuses).
	Wait time.Duration
	// ServerAsked reports that Wait comes from the server (Retry-After),
	// not from the backoff.
	ServerAsked bool
}

// CallResult is the outcome of a call.
type CallResult struct {
	// Attempts is the number of attempts sent: an attempt a middleware
	// failed without calling next, or refused for a changed SDK-owned
	// header, is not.
	Attempts int
	// StatusCode is the last response's status; 0 when none arrived.
	StatusCode int
	// Err is the error the call returns (scrubbed like every SDK error);
	// nil on success.
	Err error
	// ErrorKind names Err's kind in a few words, for metrics and span
	// attributes (see ErrorKind); empty on success.
	ErrorKind string
	// RateLimit is what the last response reported.
	RateLimit RateLimit
	// Waited is the time the call spent waiting to send: the pacer's hold
	// before the first attempt, and the waits before retries as they
	// happened (a wait the context cut short counts as far as it went).
	Waited time.Duration
}

// WithObserver installs an Observer on the Client. It configures the Client,
// not one call. A nil Observer is ignored; a second replaces the first.
func WithObserver(o Observer) Option {
	return clientOnly("WithObserver", func(c *config) error {
		if o != nil {
			c.observer = o
		}
		return nil
	})
}

// ErrorKind names the kind of an error a call returned: "canceled" and
// "deadline_exceeded" (the caller's context), "invalid_params",
// "validation", "unauthorized", "forbidden", "not_found", "conflict",
// "rate_limited" (a 429, or a call the pacer or a Limiter did not send),
// "server_error", "api_error" (another status), "decode", "timeout"
// (WithTimeout), "transport", or "" for nil. A cancelled call is the
// caller's choice, not a failure of the call.
func ErrorKind(err error) string {
	var (
		timeout interface{ Timeout() bool }
		apiErr  *APIError
		decErr  *DecodeError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrRateLimited):
		// First: a Limiter's refusal is rate limiting even when the
		// Limiter's error wraps a context error of its own.
		return "rate_limited"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	case errors.Is(err, ErrInvalidParams):
		return "invalid_params"
	case errors.Is(err, ErrValidation):
		return "validation"
	case errors.Is(err, ErrUnauthorized):
		return "unauthorized"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.Is(err, ErrConflict):
		return "conflict"
	case errors.Is(err, ErrServer):
		return "server_error"
	case errors.As(err, &apiErr):
		return "api_error"
	case errors.As(err, &decErr):
		return "decode"
	case errors.As(err, &timeout) && timeout.Timeout():
		return "timeout"
	}
	return "transport"
}

// begin sets a call up for its middleware and observer, when it has any,
// and returns the context of its requests.
func (cl *call) begin(ctx context.Context) context.Context {
	c := cl.core
	if !c.layered(&cl.op) {
		cl.rc.HTTPClient = c.httpClient
		return ctx
	}
	cl.rc.HTTPClient, cl.layered = c.layeredClient, true
	if c.observer != nil {
		// The id and key are the caller's, and may hold the API key or a
		// credential: the Observer (and the middleware's AttemptInfo, which
		// the Observer's Attempt reads) is given them scrubbed. The
		// scrubber is built for the Observer anyway; a value that holds no
		// secret is returned as it is, without allocating.
		scrub := cl.scrubber()
		cl.wire.id, cl.wire.idemKey = scrub.String(cl.op.id), scrub.String(cl.op.idemKey)
		octx, obs := c.observer.ObserveCall(ctx, CallInfo{Operation: cl.op.name, Method: cl.op.method,
			Route: cl.op.route(), ConfigurationID: cl.wire.id, IdempotencyKey: cl.wire.idemKey})
		// An Observer that returns no context leaves the call's own.
		if octx != nil {
			ctx = octx
		}
		cl.obs, cl.wire.obs, cl.wire.scrub = obs, obs, scrub
	}
	return context.WithValue(ctx, wireKey{}, cl.wire)
}

// end completes a call's error with the operation and id, and tells the
// observer how the call ended.
func (cl *call) end(err *error) {
	if *err != nil {
		cl.label(*err)
	}
	if cl.obs == nil {
		return
	}
	cl.stopWaitClock()
	res := CallResult{Attempts: cl.attempts, StatusCode: cl.status, Err: *err, ErrorKind: ErrorKind(*err), Waited: cl.waited}
	if cl.header != nil {
		res.RateLimit = parseRateLimit(cl.header, time.Now())
	}
	cl.obs.End(res)
}

// observeRetry tells the observer about a granted retry.
func (cl *call) observeRetry(d retry.Decision, raw error) {
	if cl.obs == nil {
		return
	}
	wait := d.Wait + d.Held
	if d.Held > 0 && !cl.hold.IsZero() {
		// The pacer holds the retry to the call's Hold, which may be the
		// reset its whole-second Retry-After rounds up (ratelimit.HoldOf).
		wait = d.Wait + min(d.Held, max(0, time.Until(cl.hold)))
	}
	reason := "transport"
	var te *httpx.TimeoutError
	switch {
	case cl.status == http.StatusTooManyRequests:
		reason = "rate_limited"
	case cl.status >= 500:
		reason = "server_error"
	case errors.As(raw, &te):
		reason = "timeout"
	}
	cl.obs.Retry(RetryInfo{Attempt: cl.tries, StatusCode: cl.status, Reason: reason, Wait: wait, ServerAsked: d.Held > 0 || d.Reason == retry.ReasonAsked})
}

// route is the operation's path template.
func (o *op) route() string {
	if o.id == "" {
		return configurationsPath
	}
	return configurationsPath + "/{id}" + o.action
}

// label names the operation and id in the error a call returns. The id and
// the idempotency key are the caller's, and may hold the API key or a
// credential: the error shows them scrubbed (a key that holds a secret
// cannot be given back to retry with; the request sent the real one).
func (cl *call) label(err error) {
	var (
		reqErr *RequestError
		decErr *DecodeError
		apiErr *APIError
	)
	scrub := cl.scrubber()
	id := scrub.String(cl.op.id)
	switch {
	case errors.As(err, &reqErr):
		reqErr.Operation, reqErr.ConfigurationID = cl.op.name, id
		reqErr.IdempotencyKey = scrub.String(reqErr.IdempotencyKey)
		if errors.As(reqErr.LastAPIError, &apiErr) {
			apiErr.IdempotencyKey = scrub.String(apiErr.IdempotencyKey)
		}
	case errors.As(err, &decErr):
		decErr.Operation, decErr.ConfigurationID = cl.op.name, id
		decErr.IdempotencyKey = scrub.String(decErr.IdempotencyKey)
	case errors.As(err, &apiErr):
		apiErr.Operation, apiErr.ConfigurationID = cl.op.name, id
		apiErr.IdempotencyKey = scrub.String(apiErr.IdempotencyKey)
	}
}

// stopWaitClock adds the wait under way, if any, to the call's waited time:
// measured, not granted, so a wait cut short counts as far as it went.
func (cl *call) stopWaitClock() {
	if !cl.waitFrom.IsZero() {
		cl.waited += time.Since(cl.waitFrom)
		cl.waitFrom = time.Time{}
	}
}
