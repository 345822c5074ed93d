package freddy

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The measured run of issue 14, off by default (it takes about six seconds a
// run): 600 creates from 32 goroutines against a loopback server that
// permits 100 per 1 s window, with one Client and with four sharing the key,
// paced and unpaced.
//
//	go test -run TestLoadRun -loadrun -v .
var loadRun = flag.Bool("loadrun", false, "run the rate-limit load run (TestLoadRun)")

// windowServer is a scripted API that permits limit requests per fixed window,
// each window starting at the first request after the last one ended (as
// freddytest does). Every response carries both header families, the
// duration with sub-second precision; a 429 carries Retry-After and the
// documented details, both in whole seconds rounded up.
type windowServer struct {
	limit  int
	window time.Duration
	ok     []byte

	mu      sync.Mutex
	start   time.Time
	count   int
	created atomic.Int64
	refused atomic.Int64
}

func (s *windowServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	if s.start.IsZero() || !now.Before(s.start.Add(s.window)) {
		s.start, s.count = now, 0
	}
	s.count++
	used, reset := s.count, s.start.Add(s.window)
	s.mu.Unlock()
	left := reset.Sub(now)
	secs := int64(math.Ceil(left.Seconds()))
	remaining := max(0, s.limit-used)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(time.Duration(secs)*time.Second).Unix(), 10))
	h.Set("X-Ratelimit-Limit-Requests", strconv.Itoa(s.limit))
	h.Set("X-Ratelimit-Remaining-Requests", strconv.Itoa(remaining))
	h.Set("X-Ratelimit-Reset-Requests", left.String())
	if used > s.limit {
		s.refused.Add(1)
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprintf(w, `{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Too many requests.","type":"rate_limit_error","status":429,"details":{"retry_after":%d,"limit":%d,"remaining":0}}}`, secs, s.limit)
		return
	}
	s.created.Add(1)
	_, _ = w.Write(s.ok)
}

type loadResult struct {
	failed, refused int64
	wall, floor     time.Duration
}

func (r loadResult) String() string {
	return fmt.Sprintf("failed %d, 429s per create %.3f, wall %.2fs / floor %.2fs = %.3fx",
		r.failed, float64(r.refused)/600, r.wall.Seconds(), r.floor.Seconds(), r.wall.Seconds()/r.floor.Seconds())
}

// runLoad makes n creates from goroutines goroutines spread over clients
// Clients against one windowServer.
func runLoad(t *testing.T, clients, goroutines, n int, opts ...Option) loadResult {
	t.Helper()
	ws := &windowServer{limit: 100, window: time.Second, ok: fixture(t, "create_200.json")}
	srv := httptest.NewServer(ws)
	defer srv.Close()
	cs := make([]*Client, clients)
	for i := range cs {
		c, err := NewClient(append([]Option{WithAPIKey(testAPIKey), WithBaseURL(srv.URL)}, opts...)...)
		require.NoError(t, err)
		defer c.CloseIdleConnections()
		cs[i] = c
	}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := cs[g%clients]
			for next.Add(1) <= int64(n) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				_, err := c.Configurations.Create(ctx, validParams())
				cancel()
				if err != nil {
					failed.Add(1)
					if !errors.Is(err, ErrRateLimited) {
						t.Errorf("create: %v", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	windows := (n + ws.limit - 1) / ws.limit
	return loadResult{failed: failed.Load(), refused: ws.refused.Load(), wall: time.Since(start),
		floor: time.Duration(windows-1) * ws.window}
}

func TestLoadRun(t *testing.T) {
	if !*loadRun {
		t.Skip("the load run takes ~30s: go test -run TestLoadRun -loadrun -v .")
	}
	for _, tc := range []struct {
		name      string
		clients   int
		opts      []Option
		max429    float64
		maxFactor float64
	}{
		{"1 client, paced", 1, nil, 0.02, 1.10},
		{"4 clients, paced", 4, nil, 0.05, 0},
		{"1 client, unpaced", 1, []Option{WithRateLimitPacing(false)}, -1, 0},
		{"4 clients, unpaced", 4, []Option{WithRateLimitPacing(false)}, -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runLoad(t, tc.clients, 32, 600, tc.opts...)
			t.Log(r)
			if tc.max429 < 0 {
				return
			}
			assert.Zero(t, r.failed)
			assert.LessOrEqual(t, float64(r.refused)/600, tc.max429)
			if tc.maxFactor > 0 {
				assert.LessOrEqual(t, r.wall.Seconds()/r.floor.Seconds(), tc.maxFactor)
			}
		})
	}
}
