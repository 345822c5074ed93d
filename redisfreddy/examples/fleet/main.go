// Command fleet runs four "replicas" of a service, four Clients sharing one
// API key, against the built-in Freddy emulator limited to 20 requests per
// one-second window, first each pacing by its own view of the headers, then
// sharing one account in Redis with redisfreddy.WithSharedRateLimit, and
// prints what the server refused in each run. Redis is REDIS_ADDR, or a
// redis-server it starts on a free loopback port (an embedded miniredis when
// redis-server is not installed; the example's own helper, not part of the
// API).
//
//	go run -C redisfreddy ./examples/fleet
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
	"github.com/aitronos/freddy-go/redisfreddy"
	"github.com/aitronos/freddy-go/redisfreddy/internal/redistest"
)

const (
	replicas = 4
	creates  = 60
	perSec   = 20
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	addr, stop, err := redisAddr(w)
	if err != nil {
		return err
	}
	defer stop()
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	defer rdb.Close()

	for _, shared := range []bool{false, true} {
		emu := freddytest.NewServer(freddytest.WithRateLimit(perSec, time.Second))
		var opts []freddy.Option
		if shared {
			// The line that shares the window: the same Redis and key in
			// every replica.
			opts = append(opts, redisfreddy.WithSharedRateLimit(rdb, "fleet-example"))
		}
		created, took, err := burst(emu, opts)
		refused := int64(len(emu.Requests())) - created
		emu.Close()
		if err != nil {
			return err
		}
		how := "each by its own headers"
		if shared {
			how = "sharing Redis        "
		}
		fmt.Fprintf(w, "%d replicas %s: %d created, %d refused with 429, %.1fs\n", replicas, how, created, refused, took.Seconds())
	}
	return nil
}

// burst makes the creates from replicas Clients, two goroutines each.
func burst(emu *freddytest.Server, opts []freddy.Option) (int64, time.Duration, error) {
	var next, created atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 2*replicas)
	start := time.Now()
	for range replicas {
		c, err := emu.Client(opts...)
		if err != nil {
			return 0, 0, err
		}
		defer c.CloseIdleConnections()
		for range 2 {
			wg.Go(func() {
				for next.Add(1) <= creates {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					_, err := c.Configurations.Create(ctx, freddy.CreateConfigurationParams{
						PersonalConnectorID: "pcon_github",
						Name:                "My GitHub Account",
						Credentials:         freddy.BearerCredentials("ghp_example_token_not_real"),
					})
					cancel()
					if err == nil {
						created.Add(1)
					} else if !errors.Is(err, freddy.ErrRateLimited) {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	return created.Load(), time.Since(start), <-errs
}

// redisAddr is REDIS_ADDR, or the address of a Redis started here, stopped
// by stop.
func redisAddr(w io.Writer) (addr string, stop func(), err error) {
	if addr := os.Getenv("REDIS_ADDR"); addr != "" {
		return addr, func() {}, nil
	}
	s, err := redistest.Start("")
	if err != nil {
		return "", nil, err
	}
	fmt.Fprintf(w, "Redis: %s on %s\n", s.Kind(), s.Addr)
	return s.Addr, s.Stop, nil
}
