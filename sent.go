package freddy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"

	"github.com/aitronos/freddy-go/internal/httpx"
	"github.com/aitronos/freddy-go/internal/redact"
)

// One rule says whether an attempt was sent and whether its request may have
// reached the server, for every transport, from what the SDK observes:
//   - an attempt the SDK's own layer never handed on (a middleware that
//     returned without calling next, an SDK-owned header changed) was not
//     sent: it is not counted in Attempts and cannot have acted. Judging it
//     so closes its gate in the same atomic step: a next that comes later
//     (a middleware's goroutine scheduled late) sends nothing, and a next
//     that passed the gate first makes the attempt sent;
//   - one that obtained a connection (httptrace GotConn: after the dial, the
//     proxy and the TLS handshake, before the request is written) may have
//     arrived;
//   - one still running when its attempt ended (a middleware gave up on
//     next and left it running) may still arrive;
//   - on *http.Transport, which reports every connection it obtains, any
//     other attempt sent nothing (a dial that failed or blocked until the
//     deadline, an untrusted certificate, a Proxy func's error);
//   - a RoundTripper that reports nothing is judged by the error it
//     returned to the SDK's layer (sentByError, recorded by wire.send, not
//     the error a middleware made of it): only a failed dial or DNS lookup
//     sent nothing.
//
// What the transport reports lands in the call's wire, which belongs to one
// call and is never pooled: an attempt a middleware abandoned may report
// into it after its call has returned, and must reach nothing another call
// uses.

// wire is what a call shares with its attempts' requests, through their
// context: the only per-call state a transport, a middleware or an
// abandoned attempt can reach. A call allocates one; nothing pooled is
// reachable from it.
type wire struct {
	core *core
	// The call's operation, for AttemptInfo; its middleware and observer.
	name, id, idemKey string
	middleware        []Middleware
	obs               CallObserver
	// scrub is the call's Scrubber when it has an Observer (the response
	// view, observerview.go).
	scrub *redact.Scrubber
	// attempt carries the per-attempt deadline across redirect hops when
	// the call has no middleware (each layered attempt has its own).
	attempt httpx.Attempt
	trace   httptrace.ClientTrace

	// conn: a connection was obtained since the last attempt was judged.
	conn atomic.Bool
	// current is the gate of the layered attempt under way, until judged.
	current atomic.Pointer[gate]
	// running counts the sends under way in the transport.
	running atomic.Int32
	// sends counts the sends started: AttemptInfo.Index.
	sends atomic.Int32
	// ended is set when the call returns: an abandoned middleware's later
	// next sends nothing.
	ended atomic.Bool
}

// newWire returns the wire of the call cl is about to run, with its trace.
func newWire(cl *call) *wire {
	w := &wire{core: cl.core, name: cl.op.name, id: cl.op.id, idemKey: cl.op.idemKey,
		middleware: cl.op.opts.middleware}
	w.attempt.Timeout = cl.op.opts.timeout
	w.trace.GotConn = func(httptrace.GotConnInfo) { w.conn.Store(true) }
	return w
}

// traceContext returns ctx carrying the wire's trace. httptrace composes a
// trace with one already in ctx by rewriting its hooks: the caller's trace
// keeps its own hooks, and the wire's is its own.
func (w *wire) traceContext(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &w.trace)
}

// errCallReturned is what next returns to a middleware that calls it after
// its call has returned: the SDK sends nothing for a call it has answered.
var errCallReturned = errors.New("freddy: the call has already returned; this attempt was not sent")

// errAttemptJudged is what next returns to a middleware that calls it after
// the SDK judged its attempt not sent.
var errAttemptJudged = errors.New("freddy: this attempt already ended unsent (its middleware returned first); it was not sent")

// gate is one layered attempt's: whether the SDK's layer handed it to the
// transport (passed) or judged it not sent first (closed), decided once,
// and what the transport's own errors said of its sends.
type gate struct {
	state atomic.Int32 // gateOpen, gatePassed or gateClosed
	// mayArrive: a send of this attempt got a response, or an error that
	// does not rule out that its request reached the server.
	mayArrive atomic.Bool
}

const (
	gateOpen int32 = iota
	gatePassed
	gateClosed
)

// pass reports whether a send may go out: the attempt was not judged yet.
func (g *gate) pass() bool {
	return g.state.CompareAndSwap(gateOpen, gatePassed) || g.state.Load() == gatePassed
}

// close judges the attempt: it reports whether a send passed the gate
// first; if none did, none ever will.
func (g *gate) close() (passed bool) {
	return !g.state.CompareAndSwap(gateOpen, gateClosed)
}

// open starts a layered attempt and returns its gate.
func (w *wire) open() *gate {
	g := &gate{}
	w.current.Store(g)
	return g
}

// send hands one attempt to the transport through send, recording that it
// ran, while it runs, and what the transport's error says.
func (w *wire) send(g *gate, r *http.Request, send MiddlewareNext) (*http.Response, error) {
	if w.ended.Load() {
		return nil, errCallReturned
	}
	// Counted as running before passing the gate: a judgment that finds
	// the gate passed finds the send running or its verdict recorded.
	w.running.Add(1)
	defer w.running.Add(-1)
	if !g.pass() {
		return nil, errAttemptJudged
	}
	w.sends.Add(1)
	resp, err := send(r)
	if err == nil || sentByError(err) {
		g.mayArrive.Store(true)
	}
	return resp, err
}

// judge reports whether the attempt that just ended was sent (handed to the
// transport: it counts in Attempts) and whether its request may have reached
// the server (arrived: the server may have acted on it), by the rule at the
// head of this file; err is the attempt's error, nil for a response. It
// forgets the attempt's observations for the next one. It is the one place
// this is decided (cl.attempts, cl.lost, hence ErrOutcomeUnknown and
// Delete's 404 after a loss).
func (cl *call) judge(err error) (sent, arrived bool) {
	w := cl.wire
	conn := w.conn.Swap(false)
	var g *gate
	if cl.layered {
		g = w.current.Swap(nil)
	}
	sent = !cl.layered || g != nil && g.close()
	switch {
	case !sent:
		return false, false
	case conn, w.running.Load() > 0:
		return true, true
	case cl.core.traced:
		return true, false
	case g != nil:
		return true, g.mayArrive.Load()
	}
	return true, sentByError(err)
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
	if err == nil {
		// A response: the common case, decided without errors.As, whose
		// targets escape (three allocations a call through a RoundTripper
		// that is not an *http.Transport).
		return true
	}
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
