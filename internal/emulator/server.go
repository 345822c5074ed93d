package emulator

import (
	"net/http/httptest"
)

// Server is an Emulator listening on a loopback address.
type Server struct {
	*Emulator
	// URL is the base URL to pass to freddy.WithBaseURL.
	URL string
	// APIKey is a key the server accepts.
	APIKey string

	srv *httptest.Server
}

// Start serves a new Emulator for cfg on 127.0.0.1 until Close.
func Start(cfg Config) *Server {
	e := New(cfg)
	srv := httptest.NewServer(e)
	return &Server{Emulator: e, URL: srv.URL, APIKey: e.cfg.APIKeys[0], srv: srv}
}

// Close releases stalled requests, then shuts the server down and waits for
// its handlers to return.
func (s *Server) Close() {
	s.Release()
	s.srv.CloseClientConnections()
	s.srv.Close()
}
