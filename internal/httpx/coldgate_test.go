package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tlsConn is a connection that negotiated proto through ALPN.
type tlsConn struct {
	net.Conn
	proto string
}

func (c tlsConn) ConnectionState() tls.ConnectionState {
	return tls.ConnectionState{NegotiatedProtocol: c.proto}
}

// dialingRT is a transport whose first RoundTrip "dials": it blocks until the
// test sends the connection it obtained (nil: the dial failed) on connect.
// Every RoundTrip is counted when it starts.
type dialingRT struct {
	connect chan net.Conn
	mu      sync.Mutex
	calls   int
	// major is the responses' ProtoMajor (0: not set, as a RoundTripper
	// that does not say).
	major int
}

func (d *dialingRT) started() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

func (d *dialingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	d.mu.Lock()
	d.calls++
	first := d.calls == 1
	d.mu.Unlock()
	if first {
		c := <-d.connect
		if c == nil {
			return nil, errors.New("dial failed")
		}
		if tr := httptrace.ContextClientTrace(r.Context()); tr != nil && tr.GotConn != nil {
			tr.GotConn(httptrace.GotConnInfo{Conn: c})
		}
	}
	return &http.Response{StatusCode: 200, ProtoMajor: d.major, Body: http.NoBody, Request: r}, nil
}

func gateFor(rt http.RoundTripper) *coldGate { return &coldGate{rt: rt, host: "api.test"} }

func get(t *testing.T, ctx context.Context, rt http.RoundTripper, url string) error {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := rt.RoundTrip(req)
	if err == nil {
		_ = resp.Body.Close()
	}
	return err
}

// burst starts n requests at once and returns their errors when all end.
func burst(t *testing.T, ctx context.Context, g http.RoundTripper, n int) <-chan []error {
	out := make(chan []error, 1)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = get(t, ctx, g, "https://api.test/v1/x") })
	}
	go func() { wg.Wait(); out <- errs }()
	return out
}

// coldBurst starts n requests on a fresh gate whose transport holds the
// first one's dial, and waits until every goroutine is blocked.
func coldBurst(t *testing.T, n int) (*dialingRT, *coldGate, <-chan []error) {
	rt := &dialingRT{connect: make(chan net.Conn)}
	g := gateFor(rt)
	done := burst(t, context.Background(), g, n)
	synctest.Wait()
	return rt, g, done
}

func TestColdGateOneDialsTheOthersShareHTTP2(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, g, done := coldBurst(t, 16)
		assert.Equal(t, 1, rt.started(), "one attempt dials; the others wait")
		rt.connect <- tlsConn{proto: "h2"}
		for _, err := range <-done {
			assert.NoError(t, err)
		}
		assert.Equal(t, 16, rt.started())
		assert.Equal(t, protoHTTP2, g.proto.Load())
		// Known HTTP/2 passes straight through (docs/reference.md: a burst
		// after the connection is lost is not held): a later burst that
		// waited for a leader on this transport would never end.
		rt2 := &dialingRT{connect: make(chan net.Conn), calls: 1}
		g.rt = rt2
		for _, err := range <-burst(t, context.Background(), g, 4) {
			assert.NoError(t, err)
		}
	})
}

func TestColdGateHTTP1IsRememberedSoLaterBurstsDoNotWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, g, done := coldBurst(t, 4)
		assert.Equal(t, 1, rt.started())
		rt.connect <- tlsConn{proto: "http/1.1"}
		for _, err := range <-done {
			assert.NoError(t, err)
		}
		assert.Equal(t, protoHTTP1, g.proto.Load())
		// The transport's first RoundTrip would block: a later burst that
		// waited for a leader would never end.
		rt2 := &dialingRT{connect: make(chan net.Conn)}
		g.rt = rt2
		rt2.calls = 1
		for _, err := range <-burst(t, context.Background(), g, 4) {
			assert.NoError(t, err)
		}
	})
}

func TestColdGateLearnsFromTheResponseWhenTheConnectionHidesItsALPN(t *testing.T) {
	for _, tc := range []struct {
		major int
		want  int32
	}{{1, protoHTTP1}, {2, protoHTTP2}, {0, protoUnknown}} {
		synctest.Test(t, func(t *testing.T) {
			rt, g, done := coldBurst(t, 4)
			rt.major = tc.major
			rt.connect <- struct{ net.Conn }{} // a caller's DialTLSContext wrapping its *tls.Conn
			for _, err := range <-done {
				assert.NoError(t, err)
			}
			assert.Equal(t, tc.want, g.proto.Load(), "ProtoMajor %d", tc.major)
		})
	}
}

func TestColdGateFailedDialReleasesTheOthersAndALaterAttemptLeads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, g, done := coldBurst(t, 3)
		rt.connect <- nil
		failed := 0
		for _, err := range <-done {
			if err != nil {
				failed++
			}
		}
		assert.Equal(t, 1, failed, "only the leader's own dial failed; the others went on by themselves")
		assert.Equal(t, protoUnknown, g.proto.Load())
		assert.Nil(t, g.dial)

		rt.calls = 0
		done = burst(t, context.Background(), g, 3)
		synctest.Wait()
		assert.Equal(t, 1, rt.started(), "the next burst is gated again")
		rt.connect <- tlsConn{proto: "h2"}
		<-done
	})
}

func TestColdGateWaitEndsWithTheContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, g, leader := coldBurst(t, 1)

		ctx, cancel := context.WithCancel(context.Background())
		cancelled := burst(t, ctx, g, 1)
		dctx, dcancel := context.WithTimeout(context.Background(), time.Second)
		defer dcancel()
		start := time.Now()
		deadline := burst(t, dctx, g, 1)
		synctest.Wait()
		cancel()
		assert.ErrorIs(t, (<-cancelled)[0], context.Canceled)
		assert.ErrorIs(t, (<-deadline)[0], context.DeadlineExceeded)
		assert.Equal(t, time.Second, time.Since(start), "the deadline holds while waiting")
		assert.Equal(t, 1, rt.started(), "neither waiting attempt was sent")
		rt.connect <- tlsConn{proto: "h2"}
		assert.NoError(t, (<-leader)[0])
	})
}

func TestColdGatePassesOtherRequestsStraightThrough(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, g, leader := coldBurst(t, 1)
		assert.NoError(t, get(t, context.Background(), g, "http://api.test/v1/x"), "plain http has no handshake to share")
		assert.NoError(t, get(t, context.Background(), g, "https://other.test/v1/x"))
		assert.Equal(t, 3, rt.started())
		rt.connect <- tlsConn{proto: "h2"}
		<-leader
	})
}

func TestColdGateWrapsOnlyAnHTTPTransport(t *testing.T) {
	other := &dialingRT{}
	assert.Same(t, http.RoundTripper(other), newColdGate(other, "api.test"))
	tr := &http.Transport{}
	g, ok := newColdGate(tr, "api.test").(*coldGate)
	require.True(t, ok)
	assert.Same(t, tr, g.rt)

	for _, tc := range []struct {
		base  string
		off   bool
		gated bool
	}{{"https://api.test", false, true}, {"http://127.0.0.1:8080", false, false}, {"https://api.test", true, false}} {
		base, err := url.Parse(tc.base)
		require.NoError(t, err)
		hc, real := NewClient(Config{Base: base, HTTPClient: &http.Client{Transport: tr}, NoColdGate: tc.off})
		assert.Same(t, tr, real, "CloseIdleConnections reaches the caller's transport")
		_, isGate := hc.Transport.(attempt).rt.(*coldGate)
		assert.Equal(t, tc.gated, isGate, "%s, off %v", tc.base, tc.off)
	}
}
