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
// awaitBound.
func Start(addr string) (*Server, error) {
	if addr == "" {
		ports, err := freePorts(1)
		if err != nil {
			return nil, err
		}
		addr = "127.0.0.1:" + ports[0]
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
	s.cmd, err = spawn("", "--port", port)
	if err != nil {
		return nil, err
	}
	if err := awaitPing(addr); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// freePorts returns n distinct loopback ports that were free a moment ago:
// all held open together, so none is given twice.
func freePorts(n int) ([]string, error) {
	ports := make([]string, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		_, port, _ := net.SplitHostPort(l.Addr().String())
		ports = append(ports, port)
	}
	return ports, nil
}

// spawn starts a redis-server on loopback, with no persistence, with args
// after config (a config file's path, or "" for none).
func spawn(config string, args ...string) (*exec.Cmd, error) {
	var argv []string
	if config != "" {
		argv = append(argv, config)
	}
	argv = append(argv, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning")
	cmd := exec.Command("redis-server", append(argv, args...)...)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting redis-server: %w", err)
	}
	return cmd, nil
}

// kill ends a spawned process, as a crash would (SIGKILL), and reaps it.
func kill(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// awaitPing returns once the Redis at addr answers PING; an error if it does
// not within awaitBound.
func awaitPing(addr string) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	return await(addr+" answering PING", func(ctx context.Context) (bool, error) {
		err := rdb.Ping(ctx).Err()
		return err == nil, nil
	})
}

// await polls ready every 10ms until it says true, for at most awaitBound; an
// error naming what when it does not, or ready's own error.
func await(what string, ready func(context.Context) (bool, error)) error {
	deadline := time.Now().Add(awaitBound)
	for {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		ok, err := ready(ctx)
		cancel()
		switch {
		case err != nil:
			return fmt.Errorf("waiting for %s: %w", what, err)
		case ok:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("redistest: no %s within %v", what, awaitBound)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// awaitBound bounds each wait for a Redis to be ready: generous, since a
// cluster node reports cluster_state:ok no sooner than 2 s after it started
// (Redis's writable delay for a master that rejoins), later on a loaded
// machine.
const awaitBound = 10 * time.Second

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
		kill(s.cmd)
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
