package httpx

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
)

// The rule of this file: a Client learns its host's protocol from the first
// TLS connection it obtains (its ALPN, or, when the connection does not show
// it, the protocol of the response sent over it), and until it knows, only
// one attempt dials.
//
// net/http cannot know before a TLS handshake whether the server speaks
// HTTP/2, so every request that finds no connection dials its own; when
// several come back as HTTP/2, all but one are closed (h2_bundle.go,
// addConnIfNeeded). A cold burst of n calls pays n handshakes for one
// connection. The gate lets the first attempt dial and holds the others
// until that attempt obtains its connection (httptrace GotConn, after the
// HTTP/2 connection is in the transport's pool): over HTTP/2 they share it,
// over HTTP/1.1 they dial as net/http would have, one handshake later. The
// protocol is then known and later attempts pass straight through. Plain
// http is never held: it has no handshake to share.

// Protocols the gate may know a host by.
const (
	protoUnknown int32 = iota
	protoHTTP1
	protoHTTP2
)

// coldGate holds a cold burst's attempts behind the first one's dial. It
// wraps only an *http.Transport: another RoundTripper may dial in ways
// GotConn does not describe.
type coldGate struct {
	rt   http.RoundTripper
	host string // the API host, as in Request.URL.Host
	// proto is what the first connection negotiated; once known, attempts
	// pass with one atomic load.
	proto atomic.Int32

	mu sync.Mutex
	// dial is the attempt dialing for the others; nil when none is.
	dial *coldDial
}

// coldDial is one leading attempt's dial: done is closed when it obtained a
// connection or failed.
type coldDial struct {
	once sync.Once
	done chan struct{}
}

// newColdGate returns rt behind a gate for https requests to host when rt is
// an *http.Transport, and rt itself otherwise.
func newColdGate(rt http.RoundTripper, base string) http.RoundTripper {
	if _, ok := rt.(*http.Transport); !ok {
		return rt
	}
	return &coldGate{rt: rt, host: base}
}

// RoundTrip sends r at once when the protocol is known, when r is not https
// to the API host, or when r is the first attempt (which then dials for the
// others). Otherwise it waits for the first attempt's connection, or for r's
// context, whose error it returns without sending anything.
func (g *coldGate) RoundTrip(r *http.Request) (*http.Response, error) {
	if g.proto.Load() != protoUnknown || r.URL.Scheme != "https" || !strings.EqualFold(r.URL.Host, g.host) {
		return g.rt.RoundTrip(r)
	}
	g.mu.Lock()
	if g.proto.Load() != protoUnknown {
		g.mu.Unlock()
		return g.rt.RoundTrip(r)
	}
	if d := g.dial; d != nil {
		g.mu.Unlock()
		select {
		case <-d.done:
			return g.rt.RoundTrip(r)
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	d := &coldDial{done: make(chan struct{})}
	g.dial = d
	g.mu.Unlock()
	// Composed with any trace already in the context (the SDK's own GotConn
	// hook): httptrace rewrites this fresh trace, never the one below.
	ctx := httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{
		GotConn: func(ci httptrace.GotConnInfo) { g.learned(d, protocolOf(ci.Conn)) },
	})
	resp, err := g.rt.RoundTrip(r.WithContext(ctx))
	// Without a connection (a failed dial or handshake, the context ended)
	// nothing was learned: the waiting attempts go on by themselves, as
	// net/http would have sent them, and a later attempt leads again.
	g.learned(d, protoUnknown)
	// A connection that does not show its ALPN (a caller's DialTLSContext
	// that wraps the *tls.Conn) released the others at GotConn unlearned;
	// its response says what it spoke, so that later bursts do not wait.
	if err == nil {
		g.proto.CompareAndSwap(protoUnknown, protocolOfResponse(resp))
	}
	return resp, err
}

// protocolOfResponse is the protocol a response came over: HTTP/2 for
// HTTP/2, HTTP/1.1 for HTTP/1.x, unknown for a response that does not say
// (ProtoMajor 0, from a RoundTripper that does not set it).
func protocolOfResponse(resp *http.Response) int32 {
	switch resp.ProtoMajor {
	case 2:
		return protoHTTP2
	case 1:
		return protoHTTP1
	}
	return protoUnknown
}

// learned records what d's connection negotiated and releases the attempts
// waiting for it. Only its first call counts.
func (g *coldGate) learned(d *coldDial, proto int32) {
	d.once.Do(func() {
		g.mu.Lock()
		if proto != protoUnknown {
			g.proto.Store(proto)
		}
		if g.dial == d {
			g.dial = nil
		}
		g.mu.Unlock()
		close(d.done)
	})
}

// protocolOf is the application protocol a connection negotiated through
// ALPN: HTTP/2 for "h2", HTTP/1.1 for anything else (no ALPN means
// HTTP/1.1), unknown when c is not a TLS connection.
func protocolOf(c net.Conn) int32 {
	tc, ok := c.(interface{ ConnectionState() tls.ConnectionState })
	if !ok {
		return protoUnknown
	}
	if tc.ConnectionState().NegotiatedProtocol == "h2" {
		return protoHTTP2
	}
	return protoHTTP1
}
