package freddytest

import (
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	freddy "github.com/aitronos/freddy-go"
)

// Server is an in-memory Freddy API listening on a socket. Create it with
// NewServer or Start; the zero value is not usable. All methods are safe for
// concurrent use, including while requests are being served.
type Server struct {
	// URL is the base URL to give the SDK, e.g. http://127.0.0.1:41234,
	// without a trailing slash.
	URL string
	// APIKey is a key the server accepts: the first of WithAPIKeys, or
	// DefaultAPIKey.
	APIKey string

	cfg  *config
	keys map[string]bool
	http *http.Server
	cert *x509.Certificate // the self-signed certificate of WithTLS, else nil
	tb   testing.TB        // the test of Start or StartTLS, told of an invalid Inject; else nil

	tlsHostErrs []error // WithTLS hosts left out of the certificate, reported by attach

	// mu guards everything below and the stored records.
	mu      sync.Mutex
	state                 // configurations, idempotency records, rate windows, faults, requests
	held    held          // every credential value stored, for the control API's listing
	changed chan struct{} // closed and replaced whenever a request is recorded

	// live counts running handlers and open connections; Close waits for
	// both to reach zero.
	liveMu    sync.Mutex
	liveCond  *sync.Cond
	handlers  int
	conns     int
	closing   bool
	done      chan struct{} // closed by Close: ends every stall
	served    chan struct{} // closed when the accept loop has returned
	closeOnce sync.Once
}

// NewServer starts a server on a new loopback port (127.0.0.1, or [::1]
// when IPv4 is unavailable), or on the WithListener listener, and returns at
// once; the caller must Close it. Like net/http/httptest it panics when it
// cannot listen.
func NewServer(opts ...Option) *Server {
	cfg := newConfig(opts)
	l := cfg.listener
	if l == nil {
		l = listenLoopback()
	}
	s := &Server{
		URL:     "http://" + clientAddr(l.Addr()),
		APIKey:  cfg.apiKeys[0],
		cfg:     cfg,
		keys:    map[string]bool{},
		changed: make(chan struct{}),
		done:    make(chan struct{}),
		served:  make(chan struct{}),
	}
	s.liveCond = sync.NewCond(&s.liveMu)
	s.state.init(cfg.requestLog)
	for _, k := range cfg.apiKeys {
		s.keys[k] = true
	}
	s.http = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ConnState:         s.trackConn,
		ReadHeaderTimeout: 30 * time.Second,
		// net/http would log aborted handlers and client hang-ups, which
		// faults cause on purpose.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	serve := s.http.Serve
	if cfg.tls {
		s.serveTLS(l)
		serve = func(l net.Listener) error { return s.http.ServeTLS(l, "", "") }
	}
	go func() {
		defer close(s.served)
		_ = serve(l)
	}()
	return s
}

// Start is NewServer for tests: it registers Close with tb.Cleanup, so the
// server serves tb and its subtests and is closed when tb ends, before the
// cleanups registered earlier run.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := NewServer(opts...)
	s.attach(tb)
	tb.Cleanup(s.Close)
	return s
}

func listenLoopback() net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if l, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			panic("freddytest: failed to listen on a loopback port: " + err.Error())
		}
	}
	return l
}

// Client returns a *freddy.Client for this server. Before opts it applies
//
//   - freddy.WithBaseURL(s.URL) and freddy.WithAPIKey(s.APIKey);
//   - for a TLS server (StartTLS, WithTLS), freddy.WithRootCAs(s.CertPool()),
//     so that the client trusts the self-signed certificate and nothing
//     else; with freddy.WithHTTPClient among opts, a clone of that client's
//     *http.Transport (or of http.DefaultTransport) gets the pool, and a
//     transport of another type is NewClient's error (give it s.CertPool());
//   - freddy.WithRetryWait(time.Millisecond, 20*time.Millisecond), so that
//     retries after injected faults take milliseconds, not seconds;
//   - freddy.WithTimeout(2*time.Second), so that an attempt hitting
//     FaultStall or FaultStallBody fails after 2 s rather than 30 s.
//
// opts come after those and win: pass freddy.WithAPIKey("wrong") to test a
// 401, or a shorter freddy.WithTimeout. The error is NewClient's. Close
// closes the client's connections to the server, so nothing of the client
// outlives it.
func (s *Server) Client(opts ...freddy.Option) (*freddy.Client, error) {
	base := []freddy.Option{
		freddy.WithBaseURL(s.URL),
		freddy.WithAPIKey(s.APIKey),
		freddy.WithRetryWait(time.Millisecond, 20*time.Millisecond),
		freddy.WithTimeout(2 * time.Second),
	}
	if s.cert != nil {
		base = append(base, freddy.WithRootCAs(s.CertPool()))
	}
	return freddy.NewClient(append(base, opts...)...)
}

// Close stops the server: it ends stalled requests, closes the listener and
// every client connection, and returns once every handler and connection
// goroutine has finished. Requests in flight get no answer. Calling Close
// again, even concurrently, waits for the first call and does nothing else.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.liveMu.Lock()
		s.closing = true
		s.liveMu.Unlock()
		close(s.done)
		_ = s.http.Close()
		<-s.served
		s.liveMu.Lock()
		for s.handlers > 0 || s.conns > 0 {
			s.liveCond.Wait()
		}
		s.liveMu.Unlock()
	})
}

// trackConn counts connections: net/http reports StateNew from the accept
// loop before it returns, so after that loop ends the count only falls.
func (s *Server) trackConn(_ net.Conn, st http.ConnState) {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	switch st {
	case http.StateNew:
		s.conns++
	case http.StateHijacked, http.StateClosed:
		s.conns--
		s.liveCond.Broadcast()
	}
}

// enter registers a running handler; it reports false once Close has begun.
func (s *Server) enter() bool {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	if s.closing {
		return false
	}
	s.handlers++
	return true
}

func (s *Server) leave() {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	s.handlers--
	s.liveCond.Broadcast()
}
