package freddy

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/aitronos/freddy-go/internal/httpx"
)

// MiddlewareNext sends an attempt's request on: to the next middleware, or
// to the network.
type MiddlewareNext func(*http.Request) (*http.Response, error)

// Middleware runs around one attempt of a call, inside the retry loop: once
// per attempt, retries included, redirects within the attempt not counted
// separately. It may read or change the request (headers it adds are sent;
// the SDK-owned headers are the SDK's: an attempt whose X-Api-Key or
// Idempotency-Key a middleware changed, removed or set again under another
// spelling is not sent, and fails with a [*HeaderChangedError], not
// retried), call next, and read or replace the
// response. An error it returns, or (nil, nil), is that attempt's transport
// error: scrubbed of secrets, retried under the client's policy, and
// reported as a *RequestError when it ends the call. A response it returns
// is judged like one from the server. AttemptFromContext(req.Context())
// says which attempt it is. An attempt whose middleware returns without
// calling next was not sent: it is not counted in Attempts and cannot make
// the outcome unknown; next called once the SDK has so judged its attempt,
// or after the call has returned, sends nothing and returns an error. The
// request is the attempt's own: every attempt's middleware starts from the
// SDK's request, so a change made to one attempt
// (a header added, the URL's query edited, a value edited in place) is in
// neither the next attempt nor the next call.
type Middleware func(*http.Request, MiddlewareNext) (*http.Response, error)

// WithMiddleware adds middleware around each attempt. Given to NewClient it
// runs for every call; given to one call, for that call, after the client's.
// Middleware runs in the order given. Nil middleware is ignored.
func WithMiddleware(m ...Middleware) Option {
	return func(c *config) error {
		for _, mw := range m {
			if mw == nil {
				continue
			}
			if c.call != nil {
				c.call.middleware = append(c.call.middleware, mw)
			} else {
				c.middleware = append(c.middleware, mw)
			}
		}
		return nil
	}
}

// AttemptInfo describes the attempt a request belongs to.
type AttemptInfo struct {
	// Index is the number of the call's attempts sent before this one: 0
	// for the first, 1 for the first retry, … (the OpenTelemetry
	// http.request.resend_count). An attempt that was not sent (its
	// middleware did not call next) does not count.
	Index int
	// Operation is the method's name: "Create", "Get", "List", "Update",
	// "SetEnabled", "Test" or "Delete".
	Operation string
	// ConfigurationID is the id the operation acts on; empty for Create and
	// List.
	ConfigurationID string
	// IdempotencyKey is the key every attempt of a Create sends; empty for
	// other operations.
	IdempotencyKey string
}

type attemptInfoKey struct{}

// AttemptFromContext returns the attempt a middleware's request belongs to.
// ok is false for a context that is not an attempt's.
func AttemptFromContext(ctx context.Context) (info AttemptInfo, ok bool) {
	info, ok = ctx.Value(attemptInfoKey{}).(AttemptInfo)
	return info, ok
}

// wireKey marks a layered call's requests with its wire (sent.go): the
// only per-call state an attempt reaches, so that one a middleware abandoned
// reaches nothing another call uses.
type wireKey struct{}

// layered reports whether a call runs through middleware or an observer,
// and so through the wrapped client.
func (c *core) layered(o *op) bool {
	return c.observer != nil || len(c.middleware) > 0 || len(o.opts.middleware) > 0
}

// newLayeredClient returns the client a call with middleware uses: its
// transport runs the middleware once per attempt, then sends the attempt
// through hc, which follows redirects within the attempt. It never follows a
// redirect itself: hc has done so.
func newLayeredClient(hc *http.Client) *http.Client {
	return &http.Client{
		Transport:     layers{send: hc},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// layers is the transport of the layered client: one RoundTrip per attempt.
type layers struct{ send *http.Client }

// RoundTrip runs the client's middleware, the call's, then the observer's,
// around one attempt. Everything it and the functions it hands out use comes
// from the call's wire, so a middleware may call next after the attempt (or
// the call) has ended without reaching another call's state.
func (l layers) RoundTrip(r *http.Request) (*http.Response, error) {
	w, ok := r.Context().Value(wireKey{}).(*wire)
	if !ok {
		return nil, errors.New("freddy: request sent outside a call")
	}
	info := AttemptInfo{Index: int(w.sends.Load()), Operation: w.name, ConfigurationID: w.id, IdempotencyKey: w.idemKey}
	sdk := r.Header
	// Each attempt has its own deadline state: one a middleware left
	// running must not share it with the next.
	ctx := httpx.WithAttempt(context.WithValue(r.Context(), attemptInfoKey{}, info), &httpx.Attempt{Timeout: w.attempt.Timeout})
	r = ownRequest(ctx, r)
	g := w.open()
	network := func(r *http.Request) (*http.Response, error) { return w.send(g, r, l.network) }
	if w.obs != nil {
		// The Observer runs around each request the client sends, redirect
		// hops included (observerview.go); its first hands the attempt on.
		network = l.observed(w, g).network
	}
	last := func(r *http.Request) (*http.Response, error) {
		if err := checkSDKHeaders(sdk, r.Header); err != nil {
			return nil, err
		}
		return network(r)
	}
	return runMiddleware(w.core.middleware, r, func(r *http.Request) (*http.Response, error) {
		return runMiddleware(w.middleware, r, last)
	})
}

// runMiddleware runs mws in order around last.
func runMiddleware(mws []Middleware, r *http.Request, last MiddlewareNext) (*http.Response, error) {
	if len(mws) == 0 {
		return last(r)
	}
	resp, err := mws[0](r, func(r *http.Request) (*http.Response, error) { return runMiddleware(mws[1:], r, last) })
	switch {
	case err != nil:
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		return nil, err
	case resp == nil:
		return nil, errors.New("middleware returned neither a response nor an error")
	}
	return resp, nil
}

// network sends the attempt through the SDK's client. Its *url.Error is
// unwrapped: the layered client wraps the error again.
func (l layers) network(r *http.Request) (*http.Response, error) {
	resp, err := l.send.Do(r)
	if err != nil {
		// On a CheckRedirect error Do returns the response, body closed.
		if ue, ok := err.(*url.Error); ok && ue.Err != nil {
			err = ue.Err
		}
		return nil, err
	}
	return resp, nil
}

// ownRequest returns the request one attempt's middleware is given: a
// fresh copy of the SDK's request r on ctx, made for every attempt, with a
// header (values deep-copied) and URL of its own. An edit, in place or not,
// then reaches neither the Client's header template or key, nor another
// call, nor the next attempt, whose middleware starts from the SDK's request
// again. The body is retryablehttp's, rewound for each attempt. Only the
// layered path pays for it.
func ownRequest(ctx context.Context, r *http.Request) *http.Request {
	r2 := r.WithContext(ctx)
	r2.Header = r.Header.Clone()
	if r.URL != nil {
		u := *r.URL
		if u.User != nil {
			user := *u.User
			u.User = &user
		}
		r2.URL = &u
	}
	return r2
}
