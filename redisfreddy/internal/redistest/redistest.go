// Package redistest starts a Redis for redisfreddy's tests and example: a
// redis-server process on a loopback port, or an embedded miniredis on a
// machine without redis-server (or with REDISFREDDY_MINIREDIS=1), so that
// the tests pass everywhere and say which they ran on.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Server is a Redis that can be stopped, frozen and restarted on its port.
type Server struct {
	// Addr is its host:port.
	Addr string
	cmd  *exec.Cmd
	mini *miniredis.Miniredis
}

// Embedded reports whether Start would use miniredis: redis-server is not
// installed, or REDISFREDDY_MINIREDIS=1.
func Embedded() bool {
	if os.Getenv("REDISFREDDY_MINIREDIS") == "1" {
		return true
	}
	_, err := exec.LookPath("redis-server")
	return err != nil
}

// Start starts a Redis on addr, or on a free loopback port when addr is
// empty, and returns once it answers PING; an error if it does not within
// 2 s.
func Start(addr string) (*Server, error) {
	if addr == "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		addr = l.Addr().String()
		l.Close()
	}
	s := &Server{Addr: addr}
	if Embedded() {
		s.mini = miniredis.NewMiniRedis()
		return s, s.mini.StartAddr(addr)
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning")
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting redis-server: %w", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	for range 200 {
		if rdb.Ping(context.Background()).Err() == nil {
			return s, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("redis-server on %s did not answer PING within 2s", addr)
}

// Kind says what s runs on, for the test log.
func (s *Server) Kind() string {
	if s.mini != nil {
		return "miniredis (embedded: redis-server not found or REDISFREDDY_MINIREDIS=1)"
	}
	return "redis-server"
}

// Process reports whether s is a redis-server process (Freeze needs one).
func (s *Server) Process() bool { return s.cmd != nil }

// Stop ends the server, as a crash would (SIGKILL).
func (s *Server) Stop() {
	switch {
	case s.mini != nil:
		s.mini.Close()
	case s.cmd != nil:
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// Freeze stops a redis-server from answering (SIGSTOP); Thaw lets it go on
// (SIGCONT). Both do nothing on miniredis.
func (s *Server) Freeze() { s.signal(syscall.SIGSTOP) }

// Thaw undoes Freeze.
func (s *Server) Thaw() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig os.Signal) {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(sig)
	}
}

// Restart kills the server and starts an empty one on the same port.
func (s *Server) Restart() error {
	s.Stop()
	n, err := Start(s.Addr)
	if err != nil {
		return err
	}
	*s = *n
	return nil
}
