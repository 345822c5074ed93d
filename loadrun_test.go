package freddy

import (
	"cmp"
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

// The measured run of issues 14, 21 and 22, off by default (about 90
// seconds): 600 calls from 32 goroutines against a loopback server that
// permits 100 per 1 s window, with 1, 4, 16 and 64 Clients sharing the key
// (each its own view, as replicas would), paced and unpaced, and a server
// that keeps one window per endpoint (Create and List mixed); then the
// shapes of issue 22's probe: Clients joining 125 ms apart, windows of 10
// per second (100 calls), and 16 Clients of which 15 stop after 2 s.
//
//	go test -run TestLoadRun -loadrun -v .
var loadRun = flag.Bool("loadrun", false, "run the rate-limit load run (TestLoadRun)")

// windowServer is a scripted API that permits limit requests per fixed window,
// each window starting at the first request after the last one ended (as
// freddytest does): one window for the key, or, with perEndpoint, one per
// method and path. Every response carries both header families, the
// duration with sub-second precision; a 429 carries Retry-After and the
// documented details, both in whole seconds rounded up.
type windowServer struct {
	limit       int
	window      time.Duration
	ok          []byte
	list        []byte
	perEndpoint bool

	mu      sync.Mutex
	windows map[string]*serverWindow
	created atomic.Int64
	refused atomic.Int64
}

type serverWindow struct {
	start time.Time
	count int
}

// bucket is the server's window for r; s.mu is held.
func (s *windowServer) bucket(method, path string) *serverWindow {
	key := ""
	if s.perEndpoint {
		key = method + " " + path
	}
	if s.windows == nil {
		s.windows = map[string]*serverWindow{}
	}
	w := s.windows[key]
	if w == nil {
		w = &serverWindow{}
		s.windows[key] = w
	}
	return w
}

// room is what the server would answer a request on method and path now:
// the requests left in its window.
func (s *windowServer) room(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.bucket(method, path)
	if w.start.IsZero() || !time.Now().Before(w.start.Add(s.window)) {
		return s.limit
	}
	return max(0, s.limit-w.count)
}

func (s *windowServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	b := s.bucket(r.Method, r.URL.Path)
	if b.start.IsZero() || !now.Before(b.start.Add(s.window)) {
		b.start, b.count = now, 0
	}
	b.count++
	used, reset := b.count, b.start.Add(s.window)
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
		fmt.Fprintf(w, `{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded for endpoint.","type":"rate_limit_error","status":429,"details":{"retry_after":%d,"limit":%d,"remaining":0}}}`, secs, s.limit)
		return
	}
	s.created.Add(1)
	if r.Method == http.MethodGet {
		_, _ = w.Write(s.list)
		return
	}
	_, _ = w.Write(s.ok)
}

type loadResult struct {
	calls, failed, refused int64
	// lone is the creates the last Client made in each window's time after
	// the others stopped (loadSpec.stopAfter).
	lone []int
	// heldWithRoom counts calls held before their first attempt although
	// their endpoint's window had room for every goroutine's call.
	heldWithRoom int64
	wall, floor  time.Duration
}

func (r loadResult) String() string {
	s := fmt.Sprintf("failed %d, 429s per call %.3f, held with room %d, wall %.2fs / floor %.2fs = %.3fx",
		r.failed, r.perCall(), r.heldWithRoom, r.wall.Seconds(), r.floor.Seconds(), r.factor())
	if r.lone != nil {
		s += fmt.Sprintf(", alone after the stop: %v per window", r.lone)
	}
	return s
}

func (r loadResult) perCall() float64 { return float64(r.refused) / float64(r.calls) }
func (r loadResult) factor() float64  { return r.wall.Seconds() / r.floor.Seconds() }

// loadSpec is one row of the load run.
type loadSpec struct {
	clients, goroutines, n int
	// mixed alternates Create and List (per goroutine); otherwise every
	// call is a Create.
	mixed       bool
	perEndpoint bool
	opts        []Option
	// limit is the server's requests per 1 s window; 0 is 100.
	limit int
	// stagger starts Client i's goroutines i*stagger after the first's.
	stagger time.Duration
	// stopAfter, when set, stops every Client but the last taking calls
	// that long after the start; the last goes on alone.
	stopAfter time.Duration
}

// heldObserver records how long each call waited before its first attempt
// (its CallResult.Waited, for calls sent once), into the slot its context
// carries.
type heldObserver struct{}

type heldSlot struct{}

func (heldObserver) ObserveCall(ctx context.Context, _ CallInfo) (context.Context, CallObserver) {
	return ctx, heldCall{ctx.Value(heldSlot{}).(*time.Duration)}
}

type heldCall struct{ waited *time.Duration }

func (heldCall) Attempt(r *http.Request, next MiddlewareNext) (*http.Response, error) { return next(r) }
func (heldCall) Retry(RetryInfo)                                                      {}
func (h heldCall) End(res CallResult) {
	if res.Attempts == 1 {
		*h.waited = res.Waited
	}
}

// runLoad makes n calls from goroutines goroutines spread over clients
// Clients against one windowServer.
func runLoad(t *testing.T, spec loadSpec) loadResult {
	t.Helper()
	limit := cmp.Or(spec.limit, 100)
	ws := &windowServer{limit: limit, window: time.Second, ok: fixture(t, "create_200.json"), list: fixture(t, "list_200.json"),
		perEndpoint: spec.perEndpoint}
	srv := httptest.NewServer(ws)
	defer srv.Close()
	cs := make([]*Client, spec.clients)
	for i := range cs {
		c, err := NewClient(append([]Option{WithAPIKey(testAPIKey), WithBaseURL(srv.URL), WithObserver(heldObserver{})}, spec.opts...)...)
		require.NoError(t, err)
		defer c.CloseIdleConnections()
		cs[i] = c
	}
	var next, failed, heldWithRoom atomic.Int64
	var wg sync.WaitGroup
	var loneMu sync.Mutex
	var loneAt []time.Time
	start := time.Now()
	for g := range spec.goroutines {
		wg.Go(func() {
			ci := g % spec.clients
			c := cs[ci]
			time.Sleep(time.Duration(ci) * spec.stagger)
			last := ci == spec.clients-1
			for i := next.Add(1); i <= int64(spec.n); i = next.Add(1) {
				if spec.stopAfter > 0 && !last && time.Since(start) >= spec.stopAfter {
					next.Add(-1) // the call is the last Client's to make
					return
				}
				var waited time.Duration
				ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), heldSlot{}, &waited), 30*time.Second)
				var err error
				method := http.MethodPost
				if spec.mixed && i%2 == 0 {
					method = http.MethodGet
				}
				room := ws.room(method, configurationsPath)
				if method == http.MethodGet {
					_, err = c.Configurations.List(ctx, ListConfigurationsParams{})
				} else {
					_, err = c.Configurations.Create(ctx, validParams())
				}
				cancel()
				if waited > time.Millisecond && room > spec.goroutines {
					heldWithRoom.Add(1)
				}
				if err != nil {
					failed.Add(1)
					if !errors.Is(err, ErrRateLimited) {
						t.Errorf("call: %v", err)
					}
				} else if last && spec.stopAfter > 0 {
					loneMu.Lock()
					loneAt = append(loneAt, time.Now())
					loneMu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	var lone []int
	if spec.stopAfter > 0 {
		lone = []int{}
		for _, at := range loneAt {
			if d := at.Sub(start) - spec.stopAfter; d >= 0 {
				i := int(d / ws.window)
				for len(lone) <= i {
					lone = append(lone, 0)
				}
				lone[i]++
			}
		}
	}
	perWindow := ws.limit
	if spec.perEndpoint && spec.mixed {
		perWindow *= 2
	}
	windows := (spec.n + perWindow - 1) / perWindow
	return loadResult{calls: int64(spec.n), failed: failed.Load(), refused: ws.refused.Load(), heldWithRoom: heldWithRoom.Load(),
		wall: time.Since(start), floor: time.Duration(windows-1) * ws.window, lone: lone}
}

// any429 is a row's 429 target when only its failed calls are judged.
const any429 = math.MaxFloat64

func TestLoadRun(t *testing.T) {
	if !*loadRun {
		t.Skip("the load run takes ~90s: go test -run TestLoadRun -loadrun -v .")
	}
	for _, tc := range []struct {
		name      string
		spec      loadSpec
		max429    float64
		maxFactor float64
		// roomy: no call may be held while its endpoint's window has
		// room; Clients sharing a key are held by their share instead.
		roomy bool
		// recovered: the last Client, alone after the others stopped,
		// makes at least 90% of the limit in the third window's time
		// after the stop (the share rebuilt within a window or two).
		recovered bool
	}{
		{"1 client, paced", loadSpec{clients: 1}, 0.02, 1.10, true, false},
		{"4 clients, paced", loadSpec{clients: 4}, 0.05, 1.10, false, false},
		{"16 clients, paced", loadSpec{clients: 16}, 0.05, 0, false, false},
		{"64 clients, paced", loadSpec{clients: 64}, 0.10, 0, false, false},
		{"1 client, per-endpoint server, Create and List mixed", loadSpec{clients: 1, mixed: true, perEndpoint: true}, 0.02, 1.10, true, false},
		{"1 client, unpaced", loadSpec{clients: 1, opts: []Option{WithRateLimitPacing(false)}}, -1, 0, false, false},
		{"4 clients, unpaced", loadSpec{clients: 4, opts: []Option{WithRateLimitPacing(false)}}, -1, 0, false, false},
		// The shapes of issue 22's probe: Clients joining one by one, a
		// window too small for one send each, a Client left alone. At 10
		// per second the target is that no call fails: the first window
		// alone draws a 429 for every goroutine's first send past the
		// tenth (22 and 54 of 100 calls), sent before any answer.
		{"16 clients joining 125 ms apart", loadSpec{clients: 16, stagger: 125 * time.Millisecond}, 0.05, 0, false, false},
		{"64 clients joining 125 ms apart", loadSpec{clients: 64, stagger: 125 * time.Millisecond}, 0.10, 0, false, false},
		{"4 clients, 10 per second", loadSpec{clients: 4, limit: 10, n: 100}, any429, 0, false, false},
		{"16 clients, 10 per second", loadSpec{clients: 16, limit: 10, n: 100}, any429, 0, false, false},
		{"64 clients, 64 goroutines, 10 per second", loadSpec{clients: 64, goroutines: 64, limit: 10, n: 100}, any429, 0, false, false},
		{"16 clients, 15 stop after 2 s", loadSpec{clients: 16, stopAfter: 2 * time.Second}, 0.05, 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.goroutines, spec.n = cmp.Or(spec.goroutines, 32), cmp.Or(spec.n, 600)
			r := runLoad(t, spec)
			t.Log(r)
			if tc.max429 < 0 {
				return
			}
			assert.Zero(t, r.failed)
			if tc.roomy {
				assert.Zero(t, r.heldWithRoom, "no call is held while its endpoint's window has room")
			}
			assert.LessOrEqual(t, r.perCall(), tc.max429)
			if tc.maxFactor > 0 {
				assert.LessOrEqual(t, r.factor(), tc.maxFactor)
			}
			if tc.recovered {
				require.Greater(t, len(r.lone), 2, "the last Client still had calls to make in the third window after the stop")
				assert.GreaterOrEqual(t, r.lone[2], 90, "alone, the last Client takes the whole window within two windows")
			}
		})
	}
}
