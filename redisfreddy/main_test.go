package redisfreddy

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// shared is the Redis most tests use: REDIS_ADDR, or a redis-server (or, on a
// machine without one, a miniredis) that TestMain starts.
var shared *redisServer

func TestMain(m *testing.M) {
	code := func() int {
		if os.Getenv("LOADRUN_PROCESS") != "" {
			// One process of the load run: its Redis is the parent's.
			return m.Run()
		}
		if addr := os.Getenv("REDIS_ADDR"); addr != "" {
			fmt.Fprintf(os.Stderr, "redisfreddy tests: Redis at REDIS_ADDR %s\n", addr)
			shared = &redisServer{addr: addr}
		} else {
			s, err := startRedis("")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer s.stop()
			shared = s
			fmt.Fprintf(os.Stderr, "redisfreddy tests: %s on %s\n", s.kind(), s.addr)
		}
		return m.Run()
	}()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// redisServer is a Redis the tests can stop, freeze and restart on its port:
// a redis-server process, or a miniredis when redis-server is not installed
// (or REDISFREDDY_MINIREDIS=1).
type redisServer struct {
	addr string
	cmd  *exec.Cmd
	mini *miniredis.Miniredis
}

func useMiniredis() bool {
	if os.Getenv("REDISFREDDY_MINIREDIS") == "1" {
		return true
	}
	_, err := exec.LookPath("redis-server")
	return err != nil
}

func (s *redisServer) kind() string {
	if s.mini != nil {
		return "miniredis (embedded: redis-server not found or REDISFREDDY_MINIREDIS=1)"
	}
	return "redis-server"
}

// startRedis starts a Redis on addr, or on a free loopback port when addr is
// empty, and returns once it answers PING.
func startRedis(addr string) (*redisServer, error) {
	if addr == "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		addr = l.Addr().String()
		l.Close()
	}
	s := &redisServer{addr: addr}
	if useMiniredis() {
		s.mini = miniredis.NewMiniRedis()
		return s, s.mini.StartAddr(addr)
	}
	_, port, _ := net.SplitHostPort(addr)
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
	s.stop()
	return nil, fmt.Errorf("redis-server on %s did not answer PING within 2s", addr)
}

// stop ends the server (a kill, as a crash would).
func (s *redisServer) stop() {
	switch {
	case s.mini != nil:
		s.mini.Close()
	case s.cmd != nil:
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// freeze stops the server from answering (SIGSTOP) and thaw lets it go on;
// redis-server only.
func (s *redisServer) freeze() { _ = s.cmd.Process.Signal(syscall.SIGSTOP) }
func (s *redisServer) thaw()   { _ = s.cmd.Process.Signal(syscall.SIGCONT) }

// restart kills the server and starts an empty one on the same port.
func (s *redisServer) restart() error {
	s.stop()
	n, err := startRedis(s.addr)
	if err != nil {
		return err
	}
	*s = *n
	return nil
}

// client is a redis client of s, closed at the test's end.
func (s *redisServer) client(t testing.TB) redis.UniversalClient {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{s.addr}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// ownRedis starts a Redis for one test, stopped at its end.
func ownRedis(t testing.TB) *redisServer {
	s, err := startRedis("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	return s
}

// fleetKey is a key no other test uses.
func fleetKey(t testing.TB) string {
	return t.Name() + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
}
