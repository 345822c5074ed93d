package freddy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"

	"github.com/aitronos/freddy-go/internal/httpx"
)

// Whether a failed attempt's request may have reached the server is observed,
// not guessed: net/http reports through httptrace when an attempt obtains a
// connection (GotConn), after the dial, the proxy and the TLS handshake and
// before the request is written. An attempt that failed before that (a dial
// that timed out or blocked until the deadline, an untrusted certificate, a
// Proxy func's error, a middleware that never called next) sent nothing.
// Whether a layered attempt got past its middleware to the SDK's client is
// recorded too (call.wired), so that a middleware that never called next
// counts as nothing sent, whatever the RoundTripper.

// bindTrace builds the call's ClientTrace once, when the pool creates the
// call, so that an attempt costs one context value and no closure.
func (cl *call) bindTrace() {
	cl.trace = &httptrace.ClientTrace{GotConn: cl.gotConn}
}

// gotConn is the GotConn hook: net/http calls it synchronously, inside the
// attempt's RoundTrip, once per connection the attempt (or one of its
// redirect hops) uses.
func (cl *call) gotConn(httptrace.GotConnInfo) { cl.sent = true }

// traceContext returns ctx carrying the call's trace. httptrace composes a
// trace with one already in ctx by rewriting its hooks, which must never
// happen to the pooled trace: that rare case gets a trace of its own.
func (cl *call) traceContext(ctx context.Context) context.Context {
	t := cl.trace
	if httptrace.ContextClientTrace(ctx) != nil {
		t = &httptrace.ClientTrace{GotConn: cl.gotConn}
	}
	return httptrace.WithClientTrace(ctx, t)
}

// mayHaveArrived reports whether the attempt that just failed with err may
// have reached the server, which may then have acted on it; it forgets the
// attempt's observation for the next one. It is the one place this is
// decided (cl.lost, hence ErrOutcomeUnknown and Delete's 404 after a loss).
// A connection obtained means yes. Without one, the SDK's *http.Transport
// (or any transport reporting GotConn) sent nothing; a RoundTripper that
// reports nothing is judged by its error (sentByError).
func (cl *call) mayHaveArrived(err error) bool {
	sent, wired := cl.sent, cl.wired
	cl.sent, cl.wired = false, false
	switch {
	case sent:
		return true
	case !wired && cl.rc.HTTPClient == cl.core.layeredClient:
		// A middleware (or the header guard) kept it from the client.
		return false
	case cl.core.traced:
		return false
	}
	return sentByError(err)
}

// traced reports whether rt reports GotConn through httptrace.
func traced(rt http.RoundTripper) bool {
	_, ok := rt.(*http.Transport)
	return ok
}

// sentByError is the fallback for a RoundTripper that does not report
// through httptrace: every failure but one to connect (a refused or
// timed-out dial, to the server or to a proxy, a failed DNS lookup) may have
// reached the server. An attempt timeout keeps the transport's error in its
// Err, which says which.
func sentByError(err error) bool {
	var te *httpx.TimeoutError
	if errors.As(err, &te) && te.Err != nil {
		err = te.Err
	}
	var op *net.OpError
	var dns *net.DNSError
	var hc *HeaderChangedError
	switch {
	case errors.As(err, &hc):
		// Refused before the transport saw it.
		return false
	case errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect"):
		return false
	case errors.As(err, &dns):
		return false
	}
	return true
}
