package freddy

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/aitronos/freddy-go/internal/httpx"
)

// op is one API operation as the shared request path needs it. Every
// operation builds one and calls core.do: building, retrying, decoding and
// error mapping happen there and only there.
type op struct {
	method string
	// id and action make the path after the collection endpoint:
	// "/{id}{action}". id is checked by validID and path-escaped here.
	id, action string
	query      string
	// body is nil for operations without a request body.
	body []byte
	// idemKey is sent as Idempotency-Key; only Create has one.
	idemKey string
	// creds are scrubbed from any text the server sends back.
	creds Credentials
	opts  requestConfig
}

// decoder reads a 2xx response body, which is its own to keep.
type decoder func(status int, body []byte) *DecodeError

// do runs o with retries and hands a 2xx body to decode. lost reports that
// some attempt ended without a complete response, so the server may have
// acted on a request whose answer never arrived (Delete reads it).
func (c *core) do(ctx context.Context, o *op, decode decoder) (lost bool, err error) {
	if ctx == nil {
		return false, &ParamError{Field: "ctx", Reason: "must not be nil"}
	}
	if o.opts.err != nil {
		return false, o.opts.err
	}
	if err := notSendable(ctx); err != nil {
		return false, &RequestError{IdempotencyKey: o.idemKey, Err: err}
	}
	// An untyped nil: a typed nil []byte would make retryablehttp send an
	// empty chunked body with a GET.
	var raw any
	if o.body != nil {
		raw = o.body
	}
	cl := c.calls.Get().(*call)
	cl.op = *o
	defer c.release(cl)
	u := c.endpointURL // a copy: net/http may hold on to a request's URL
	if o.id != "" {
		u.Path = c.endpointURL.Path + "/" + o.id + o.action
		u.RawPath = c.endpointPath + "/" + url.PathEscape(o.id) + o.action
	}
	u.RawQuery = o.query
	// Built directly rather than by http.NewRequest: the URL was parsed once
	// in NewClient, and the header is built once here.
	hreq := (&http.Request{Method: o.method, URL: &u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: c.header(o)}).WithContext(httpx.WithAttempt(ctx, &cl.attempt))
	req := &retryablehttp.Request{Request: hreq}
	if err := req.SetBody(raw); err != nil {
		return false, &ParamError{Field: "request", Reason: "cannot be built: " + err.Error()}
	}

	if _, err := cl.rc.Do(req); err != nil {
		if cl.final == nil {
			// retryablehttp returns the bare context error when the
			// context ends during the wait before a retry.
			cl.abandon(ctx, err)
		}
		cl.fillResponse()
		return cl.lost, cl.final
	}
	c.policy.Budget.Success(cl.retries)
	cl.fillResponse()
	body := cl.ownBody()
	if derr := decode(cl.status, body); derr != nil {
		return cl.lost, cl.decodeError(derr, body)
	}
	return cl.lost, nil
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
// with the template: one map per request instead of a deep copy.
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
	h["X-Api-Key"] = c.apiKey()
	if o.idemKey != "" {
		h["Idempotency-Key"] = []string{o.idemKey}
	}
	return h
}

// notSendable reports why no attempt may be sent now: the context ended, or
// its deadline passed before its timer fired. It guards the first attempt
// (do) and every retry (the PrepareRetry hook).
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
// context ended: the retry's budget tokens go back.
func (cl *call) abandon(ctx context.Context, err error) {
	cl.core.policy.Budget.Refund()
	cl.retries--
	cl.final = &RequestError{Attempts: cl.attempts, IdempotencyKey: cl.op.idemKey, Err: err, LastAPIError: cl.lastAPI, waiting: true}
	cl.log(ctx, "freddy: retry abandoned", slog.String("reason", err.Error()))
}

// decodeError completes a decoder's error with what only the request path
// knows, and keeps secrets out of it: the snippet is cut from the scrubbed
// body, and a JSON error that quotes the body is scrubbed too.
func (cl *call) decodeError(derr *DecodeError, body []byte) error {
	scrub := cl.scrubber()
	derr.StatusCode, derr.IdempotencyKey, derr.Attempts = cl.status, cl.op.idemKey, cl.attempts
	derr.TraceID = scrub.String(headerValue(cl.header, "X-Request-Id"))
	derr.snippet = snippet(scrub.Bytes(body))
	if derr.Err != nil {
		derr.Err = cl.scrubbed(derr.Err)
	}
	return derr
}

// Response is the metadata of a call's response: of the response that
// succeeded, or else of the last attempt. Request it with WithResponseInto.
type Response struct {
	// StatusCode is the HTTP status; 0 when the last attempt got no
	// response.
	StatusCode int
	// Header is the response header, with any echo of the API key or a
	// credential value redacted, in names and values; nil when there was no
	// response.
	Header http.Header
	// RequestID is the x-request-id header, for support requests.
	RequestID string
	// APIVersion is the freddy-api-version header, e.g. "2025-01-01".
	APIVersion string
	// ProcessingTime is the freddy-processing-ms header.
	ProcessingTime time.Duration
	// RateLimit is read from either documented header family.
	RateLimit RateLimit
	// Attempts is the number of attempts the call sent.
	Attempts int
	// IdempotencyKey is the key a Create sent; empty for other operations.
	IdempotencyKey string
}

// fillResponse writes the Response a caller asked for with WithResponseInto.
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
	h := make(http.Header, len(cl.header))
	for k, vs := range cl.header {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = scrub.String(v)
		}
		// A name can echo a secret too.
		h[scrub.String(k)] = out
	}
	dst.Header = h
	dst.RequestID = scrub.String(headerValue(cl.header, "X-Request-Id"))
	dst.APIVersion = scrub.String(headerValue(cl.header, "Freddy-Api-Version"))
}
