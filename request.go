package freddy

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/aitronos/freddy-go/internal/httpx"
	"github.com/aitronos/freddy-go/internal/ratelimit"
	"github.com/aitronos/freddy-go/internal/retry"
)

// op is one API operation as the shared request path needs it. Every
// operation builds one and calls core.do: building, retrying, decoding and
// error mapping happen there and only there.
type op struct {
	// name is the method's name, for errors and observers: "Create", ….
	name   string
	method string
	// id and action make the path after the collection endpoint:
	// "/{id}{action}" (see path). id is checked by validID.
	id, action string
	query      string
	// body is nil for operations without a request body.
	body []byte
	// idemKey is sent as Idempotency-Key; only Create has one.
	idemKey string
	// creds are scrubbed from any text the server sends back.
	creds Credentials
	opts  requestConfig

	// goneAfterLoss makes a 404 that answers a retry after a lost attempt
	// a success (Delete: that attempt most likely did the deleting).
	goneAfterLoss bool
	// refused is the first bad param the method found: core.do returns it
	// without sending, after observing the call like any other.
	refused error
}

// check keeps err as the op's refusal when it is the first.
func (o *op) check(err error) {
	if o.refused == nil {
		o.refused = err
	}
}

// path is base followed by the operation's "/{id}{action}", with id
// path-escaped when escaped is set; base alone when the operation has no id.
// It is the one place the request path is built: for the URL (both its
// forms) and for log records.
func (o *op) path(base string, escaped bool) string {
	if o.id == "" {
		return base
	}
	id := o.id
	if escaped {
		id = url.PathEscape(id)
	}
	return base + "/" + id + o.action
}

// decoder reads a 2xx response body, which is its own to keep.
type decoder func(status int, body []byte) *DecodeError

// do runs o with retries and hands a 2xx body to decode. lost reports that
// some attempt ended without a complete response, so the server may have
// acted on a request whose answer never arrived (Delete reads it).
func (c *core) do(ctx context.Context, o *op, decode decoder) (lost bool, err error) {
	cl := c.calls.Get().(*call)
	cl.op = *o
	cl.wire = newWire(cl)
	defer c.release(cl)
	refused := o.refused
	if ctx == nil {
		// Observed all the same, on a context of its own.
		ctx, refused = context.Background(), firstErr(refused, &ParamError{Field: "ctx", Reason: "must not be nil"})
	}
	// Seam (observation hook, around the call): begin opens the
	// observation, whose context the request is built on, and picks the
	// client that runs the middleware; end closes it with the outcome
	// (cl.final, cl.status, cl.attempts). Every call is observed, one
	// refused before its first attempt included, from before its first
	// wait, so that the observation covers the pacing hold.
	ctx = cl.begin(ctx)
	defer cl.end(&err)
	if err := firstErr(refused, o.opts.err); err != nil {
		return false, cl.refusal(err)
	}
	policy, err := c.policyFor(&o.opts.overrides)
	if err != nil {
		return false, err
	}
	cl.policy, cl.rc.RetryMax, cl.key = policy, policy.MaxRetries, c.keyOf(&o.opts.overrides)
	// An untyped nil: a typed nil []byte would make retryablehttp send an
	// empty chunked body with a GET.
	var raw any
	if o.body != nil {
		raw = o.body
	}
	u := c.endpointURL // a copy: net/http may hold on to a request's URL
	if o.id != "" {
		u.Path = o.path(c.endpointURL.Path, false)
		u.RawPath = o.path(c.endpointPath, true)
	}
	u.RawQuery = o.query
	// Built directly rather than by http.NewRequest: the URL was parsed once
	// in [NewClient], and the header is built once here.
	hreq := (&http.Request{Method: o.method, URL: &u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: c.header(o)}).WithContext(cl.wire.traceContext(httpx.WithAttempt(ctx, &cl.wire.attempt)))
	req := &retryablehttp.Request{Request: hreq}
	if err := req.SetBody(raw); err != nil {
		return false, &ParamError{Field: "request", Reason: "cannot be built: " + err.Error()}
	}

	start := time.Now()
	cl.slot, err = c.beforeAttempt(ctx, &pacing{key: cl.key, op: &cl.op, policy: policy, maxWait: policy.MaxWait, cl: cl})
	cl.sentAt = time.Now()
	cl.waited = cl.sentAt.Sub(start)
	if err != nil {
		return false, notSentError(cl.shownRefusal(err), 0, o.idemKey, nil, false)
	}
	if _, err := cl.rc.Do(req); err != nil {
		if cl.final == nil {
			// retryablehttp returns the bare context error when the
			// context ends during the wait before a retry.
			cl.abandon(ctx, err)
		}
		cl.fillResponse()
		if o.goneAfterLoss && cl.goneAfterLoss() {
			c.policy.Budget.Success(cl.retries)
			return cl.lost, nil
		}
		if cl.outcomeUnknown() {
			markOutcomeUnknown(cl.final)
		}
		return cl.lost, cl.final
	}
	c.policy.Budget.Success(cl.retries)
	cl.fillResponse()
	body := cl.ownBody()
	if derr := decode(cl.status, body); derr != nil {
		cl.undecoded = true
		err := cl.decodeError(derr, body)
		if cl.outcomeUnknown() {
			markOutcomeUnknown(err)
		}
		return cl.lost, err
	}
	return cl.lost, nil
}

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

// bodyLimit is the most of a response body with status the SDK reads.
func bodyLimit(status int) int64 {
	if status >= 200 && status <= 299 {
		return successBodyLimit
	}
	return errorBodyLimit
}

// grant records a retry the policy granted: the observer hears of it, and
// the wait it asked for starts (the Backoff hook returns it; the clock
// stops in prepareRetry or when the call ends).
func (cl *call) grant(d retry.Decision, raw error) {
	cl.observeRetry(d, raw)
	cl.retries++
	cl.wait = d.Wait
	cl.waitFrom = time.Now()
}

// endedBy is the context's error when only the context kept a retryable
// failure from being retried (the caller then sees its own context error),
// and nil otherwise.
func endedBy(ctx context.Context, d retry.Decision) error {
	if d.ContextDone {
		return ctx.Err()
	}
	return nil
}

// observe reads one attempt while retryablehttp still holds its response:
// the body under its limit, the typed error of a non-2xx (kept as lastAPI),
// whether a failed request may have reached the server (lost), and the
// transport error scrubbed. It returns the outcome for the policy, which
// judges the error as it came, and the API error and scrubbed error, which
// are what is kept or logged; both nil means the attempt succeeded.
func (cl *call) observe(ctx context.Context, resp *http.Response, err error) (outcome retry.Outcome, apiErr, scrubbed error) {
	cl.tries++
	cl.status, cl.header = 0, nil
	// Judged for every attempt, so that its observation never outlives it.
	sent, arrived := cl.judge(err)
	if sent {
		cl.attempts++
	}
	if err == nil {
		cl.status, cl.header = resp.StatusCode, resp.Header
		// A 5xx, or a 3xx net/http did not follow (no Location, a 300,
		// a 304): the request reached a server that answered something
		// other than a refusal, and a write may have been acted on.
		cl.serverFailed = cl.serverFailed || resp.StatusCode >= 500 || (resp.StatusCode >= 300 && resp.StatusCode < 400)
		ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
		cl.body, err = httpx.ReadBody(resp.Body, cl.body[:0], resp.ContentLength, bodyLimit(resp.StatusCode))
		resp.Body = http.NoBody
		if err == nil && !ok {
			apiErr = newAPIError(resp.StatusCode, resp.Header, cl.body, cl.op.idemKey, cl.attempts, cl.bodyScrubber(cl.body), time.Now())
			cl.lastAPI = apiErr
		}
		cl.hold = cl.see(ctx, resp.Header, apiErr)
	}
	if !sent || (err != nil && !arrived) {
		// An attempt not handed to the transport, or one that reached no
		// server (judge, sent.go), spent nothing of its window.
		cl.core.pacer.Refund(cl.slot)
	}
	cl.slot = ratelimit.Slot{}
	if err != nil {
		cl.lost = cl.lost || arrived
		scrubbed = cl.scrubber().Error(err)
	}
	return retry.Outcome{Attempt: cl.tries, Status: cl.status, Err: err, Asked: retryAfterOf(apiErr)}, apiErr, scrubbed
}

// finalError is the error a call ends with when no retry follows. ended is
// the context's error when the context, not the server, ended the call: the
// caller then sees its own context error, and the last API error as a
// field. apiErr and err are the last attempt's, as observe returned them.
func (cl *call) finalError(ended, apiErr, err error) error {
	switch {
	case ended != nil:
		if err == nil || !errors.Is(err, ended) {
			err = ended
		}
		return &RequestError{Attempts: cl.attempts, IdempotencyKey: cl.op.idemKey, Err: err, LastAPIError: cl.lastAPI}
	case apiErr != nil:
		return apiErr
	}
	return &RequestError{Attempts: cl.attempts, IdempotencyKey: cl.op.idemKey, Err: err}
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// ownBody hands the response body over for the decoder to keep. It leaves
// the pool with it rather than being copied: a 2xx body is read into a
// buffer of exactly its Content-Length, which is the one allocation a copy
// would make anyway. Error bodies, which nothing keeps, reuse the buffer.
func (cl *call) ownBody() []byte {
	b := cl.body
	cl.body = nil
	return b
}

// header builds a request's header. The value slices are shared read-only
// with the template: one map per request instead of a deep copy. Middleware,
// which may edit values in place, gets its own copy (ownRequest).
func (c *core) header(o *op) http.Header {
	tmpl := c.headerNoBody
	if o.body != nil {
		tmpl = c.headerBody
	}
	h := make(http.Header, len(tmpl)+2+len(o.opts.header))
	for k, v := range tmpl {
		h[k] = v
	}
	for k, v := range o.opts.header {
		h[k] = v
	}
	h["X-Api-Key"] = c.apiKeyOf(&o.opts.overrides)
	if o.idemKey != "" {
		h["Idempotency-Key"] = []string{o.idemKey}
	}
	return h
}

// beforeAttempt runs before every attempt is sent: the first (core.do) and
// each retry (the PrepareRetry hook). It is the pacing seam: the rate-limit
// model or the shared account (pace.go) when the call is paced
// (Policy.Paced), then the caller's Limiter (limiter.go). g.hold is the
// earliest time this attempt may go (a 429 that held only its call);
// g.maxWait bounds the whole hold, the Limiter's wait included. It returns
// the slot pacing took from the Client's view for the attempt, which the
// call gives back if the attempt is not sent or reaches no server
// (call.observe, by call.judge's rule). A non-nil error means the attempt
// is not sent, and spends nothing: the context's error, or a
// *RateLimitError refusal (the pacing's or the Limiter's). No attempt
// passes once its context is done or its deadline has come, however long
// it waited here.
func (c *core) beforeAttempt(ctx context.Context, g *pacing) (ratelimit.Slot, error) {
	if err := notSendable(ctx); err != nil {
		return ratelimit.Slot{}, err
	}
	start := time.Now()
	s, err := c.pace(ctx, g)
	if err != nil {
		return ratelimit.Slot{}, refusal(err)
	}
	maxWait := g.maxWait - time.Since(start)
	if c.limiter != nil {
		if err := c.waitLimiter(ctx, maxWait); err != nil {
			c.pacer.Refund(s)
			return ratelimit.Slot{}, err
		}
	}
	if err := notSendable(ctx); err != nil {
		c.pacer.Refund(s)
		return ratelimit.Slot{}, err
	}
	return s, nil
}

// notSendable reports why no attempt may be sent now: the context ended, or
// its deadline passed before its timer fired. It guards the first attempt
// and every retry, through beforeAttempt.
func notSendable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// abandon ends a call whose granted retry will not be sent because the
// context ended, or the pacer or the Limiter refused it: the retry's budget
// tokens go back (its pacing slot already went back in beforeAttempt).
func (cl *call) abandon(ctx context.Context, err error) {
	cl.core.policy.Budget.Refund()
	cl.retries--
	cl.final = cl.refusedRetry(err)
	cl.log(ctx, "freddy: retry abandoned", slog.String("reason", err.Error()))
}

// refusedRetry is the call's error when err keeps its retry from being
// sent: the last response's typed error when pacing refused it (keptAnswer),
// else a not-sent error around err.
func (cl *call) refusedRetry(err error) error {
	if last := keptAnswer(err, cl.lastAPI); last != nil {
		return last
	}
	return notSentError(err, cl.attempts, cl.op.idemKey, cl.lastAPI, true)
}

// decodeError completes a decoder's error with what only the request path
// knows, and keeps secrets out of it: the snippet is cut from the scrubbed
// body, and a JSON error that quotes the body is scrubbed too.
func (cl *call) decodeError(derr *DecodeError, body []byte) error {
	scrub := cl.bodyScrubber(body)
	derr.StatusCode, derr.IdempotencyKey, derr.Attempts = cl.status, cl.op.idemKey, cl.attempts
	derr.TraceID = scrub.String(headerValue(cl.header, "X-Request-Id"))
	derr.snippet = snippet(scrub.Bytes(body))
	if derr.Err != nil {
		derr.Err = scrub.Error(derr.Err)
	}
	return derr
}

// fillResponse writes the Response a caller asked for with [WithResponseInto].
// Nothing is computed for callers who did not ask.
func (cl *call) fillResponse() {
	dst := cl.op.opts.responseInto
	if dst == nil {
		return
	}
	*dst = Response{StatusCode: cl.status, Attempts: cl.attempts, IdempotencyKey: cl.op.idemKey}
	if cl.header == nil {
		return
	}
	// Numbers and times are read from the header as sent; only what is
	// kept as text is scrubbed.
	if ms, err := strconv.ParseFloat(headerValue(cl.header, "Freddy-Processing-Ms"), 64); err == nil && ms >= 0 && ms < 1e12 {
		dst.ProcessingTime = time.Duration(ms * float64(time.Millisecond))
	}
	dst.RateLimit = parseRateLimit(cl.header, time.Now())
	scrub := cl.scrubber()
	dst.Header = scrub.Header(cl.header)
	dst.RequestID = scrub.String(headerValue(cl.header, "X-Request-Id"))
	dst.APIVersion = scrub.String(headerValue(cl.header, "Freddy-Api-Version"))
}
