package freddy

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tlsServer is an httptest TLS server answering Create's 200 that counts
// the TLS handshakes it starts (GetConfigForClient runs once per
// ClientHello). When hold is set, the first handshake waits on it.
type tlsServer struct {
	*httptest.Server
	handshakes atomic.Int32
	// hello is closed when the first handshake starts; hold, when set,
	// keeps that handshake waiting until it is closed.
	hello, hold chan struct{}
}

func newTLSServer(t testing.TB, h2 bool, hold chan struct{}) *tlsServer {
	t.Helper()
	ok := fixture(t, "create_200.json")
	s := &tlsServer{hold: hold, hello: make(chan struct{})}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(ok)
	}))
	s.EnableHTTP2 = h2
	s.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		if s.handshakes.Add(1) == 1 {
			close(s.hello)
			if s.hold != nil {
				<-s.hold
			}
		}
		return nil, nil
	}}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // closed connections of the pool
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// client returns a fresh Client of the server's, with the default transport
// unless opts say otherwise.
func (s *tlsServer) client(t testing.TB, opts ...Option) *Client {
	t.Helper()
	roots := s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	c, err := NewClient(append([]Option{WithAPIKey(testAPIKey), WithBaseURL(s.URL), func(c *config) error {
		c.tlsConfig = &tls.Config{RootCAs: roots}
		return nil
	}}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// createBurst makes n creates at once, each from its own goroutine.
func createBurst(t testing.TB, c *Client, n int) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			_, err := c.Configurations.Create(context.Background(), validParams())
			assert.NoError(t, err)
		})
	}
	close(start)
	wg.Wait()
}

func TestColdBurstOverHTTP2DialsOnce(t *testing.T) {
	srv := newTLSServer(t, true, nil)
	c := srv.client(t)
	createBurst(t, c, 16)
	assert.Equal(t, int32(1), srv.handshakes.Load(), "16 creates on a fresh Client share one HTTP/2 connection")
	createBurst(t, c, 16)
	assert.Equal(t, int32(1), srv.handshakes.Load())
}

func TestColdBurstWithTheCallersTransport(t *testing.T) {
	srv := newTLSServer(t, true, nil)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	createBurst(t, c, 16)
	assert.Equal(t, int32(1), srv.handshakes.Load())
}

func TestColdBurstOverHTTP1(t *testing.T) {
	srv := newTLSServer(t, false, nil)
	c := srv.client(t)
	createBurst(t, c, 16)
	n := srv.handshakes.Load()
	t.Logf("16 creates over HTTP/1.1: %d handshakes", n)
	assert.LessOrEqual(t, n, int32(16), "the others dial as net/http would")
}

// TestColdBurstWaitEndsWithTheContext: the first create's handshake is held
// by the server; a second create whose context is cancelled while it waits
// for that connection returns the context's error, unsent, and dials
// nothing.
func TestColdBurstWaitEndsWithTheContext(t *testing.T) {
	hold := make(chan struct{})
	srv := newTLSServer(t, true, hold)
	c := srv.client(t)
	var leader sync.WaitGroup
	leader.Go(func() {
		_, err := c.Configurations.Create(context.Background(), validParams())
		assert.NoError(t, err)
	})
	<-srv.hello
	ctx, cancel := context.WithCancel(context.Background())
	var resp Response
	_, err := c.Configurations.Create(ctx, validParams(), WithResponseInto(&resp), WithMiddleware(func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		// On its way to the transport, where it waits for the leader.
		cancel()
		return next(r)
	}))
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown, "nothing was sent")
	assert.Equal(t, 1, resp.Attempts)
	close(hold)
	leader.Wait()
	assert.Equal(t, int32(1), srv.handshakes.Load())
}

// TestColdBurstLearnsTheProtocolThroughAWrappingDialer: a caller's
// DialTLSContext that wraps its *tls.Conn hides the connection's ALPN; the
// first response's protocol is learned instead, so a later attempt whose
// handshake is held by the server does not hold another attempt back.
func TestColdBurstLearnsTheProtocolThroughAWrappingDialer(t *testing.T) {
	var handshakes atomic.Int32
	second, release := make(chan struct{}), make(chan struct{})
	ok := fixture(t, "create_200.json")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(ok) }))
	srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		if handshakes.Add(1) == 2 {
			close(second)
			<-release
		}
		return nil, nil
	}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	defer close(release)

	tr := srv.Client().Transport.(*http.Transport).Clone()
	roots := tr.TLSClientConfig
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d tls.Dialer
		d.Config = roots
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return struct{ net.Conn }{c}, nil // counts bytes, say: no ConnectionState
	}
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)
	_, err = c.Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	c.CloseIdleConnections()

	held := make(chan error, 1)
	go func() {
		_, err := c.Configurations.Create(context.Background(), validParams())
		held <- err
	}()
	<-second
	// A guard, not a wait: the create returns as soon as its own
	// handshake is done; it fails only if the gate holds it back.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = c.Configurations.Create(ctx, validParams())
	require.NoError(t, err, "the protocol was learned from the first response: no attempt waits for another's dial")
	assert.Equal(t, int32(3), handshakes.Load())
	release <- struct{}{}
	require.NoError(t, <-held)
}
