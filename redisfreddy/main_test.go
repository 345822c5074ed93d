package redisfreddy

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/aitronos/freddy-go/redisfreddy/internal/redistest"
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
			fmt.Fprintf(os.Stderr, "redisfreddy tests: %s on %s\n", s.Kind(), s.addr)
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

// redisServer is a Redis the tests can stop, freeze and restart; addr only
// for REDIS_ADDR.
type redisServer struct {
	*redistest.Server
	addr string
}

func startRedis(addr string) (*redisServer, error) {
	s, err := redistest.Start(addr)
	if err != nil {
		return nil, err
	}
	return &redisServer{Server: s, addr: s.Addr}, nil
}

func useMiniredis() bool { return redistest.Embedded() }

func (s *redisServer) stop()   { s.Stop() }
func (s *redisServer) freeze() { s.Freeze() }
func (s *redisServer) thaw()   { s.Thaw() }

// embedded reports whether s is a miniredis.
func (s *redisServer) embedded() bool { return s.Server != nil && !s.Process() }

func (s *redisServer) restart() error { return s.Restart() }

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
