package redisfreddy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
)

// The measured run of issue 22, off by default (about a minute): 600
// creates from 32 goroutines against freddytest permitting 100 per 1s
// window (the core's load run's shape), by Clients sharing one account in a
// real Redis:
//
//	go test -run TestLoadRun -loadrun -v .
var loadRun = flag.Bool("loadrun", false, "run the shared-account load run (TestLoadRun)")

const (
	loadCreates    = 600
	loadGoroutines = 32
	loadDeadline   = 30 * time.Second
)

// tally is what one process's creates came to.
type tally struct {
	Succeeded, Failed, PastDeadline int64
	// End is when the last create returned (Unix nanoseconds).
	End int64
}

// creates makes n creates (counted by next) from goroutines goroutines
// spread over cs, each with a loadDeadline deadline.
func creates(t testing.TB, cs []*freddy.Client, goroutines int, n int64) tally {
	var next, ok, failed, late atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		c := cs[g%len(cs)]
		wg.Go(func() {
			for next.Add(1) <= n {
				ctx, cancel := context.WithTimeout(context.Background(), loadDeadline)
				_, err := c.Configurations.Create(ctx, params())
				if d, _ := ctx.Deadline(); time.Now().After(d) {
					late.Add(1)
				}
				cancel()
				if err == nil {
					ok.Add(1)
					continue
				}
				failed.Add(1)
				if !errors.Is(err, freddy.ErrRateLimited) {
					t.Errorf("create: %v", err)
				}
			}
		})
	}
	wg.Wait()
	return tally{Succeeded: ok.Load(), Failed: failed.Load(), PastDeadline: late.Load(), End: time.Now().UnixNano()}
}

// lostCount counts the times a Client stopped trusting its account (Redis
// did not answer within the bound) in the load run.
type lostCount struct {
	n atomic.Int64
	// why counts the errors by text, the deadline's figure cut off.
	mu  sync.Mutex
	why map[string]int
}

// report returns and resets the count and its reasons.
func (l *lostCount) report() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := fmt.Sprintf("%d times %v", l.n.Swap(0), l.why)
	l.why = nil
	return s
}

func (l *lostCount) ObserveCall(ctx context.Context, _ freddy.CallInfo) (context.Context, freddy.CallObserver) {
	return ctx, nil
}

func (l *lostCount) RateLimitAccountChanged(e freddy.RateLimitAccountEvent) {
	if !e.Trusted {
		l.n.Add(1)
		why := e.Err.Error()
		if i := strings.Index(why, "within"); i >= 0 {
			why = why[:i]
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.why == nil {
			l.why = map[string]int{}
		}
		l.why[why]++
	}
}

var lost = &lostCount{}

// sharingClients is n Clients of srv, each with its own connection to Redis
// at addr (as n replicas would have), sharing the account named key.
func sharingClients(t testing.TB, srv *freddytest.Server, addr, key string, n int) []*freddy.Client {
	cs := make([]*freddy.Client, n)
	for i := range cs {
		var opts []freddy.Option
		if addr != "" {
			rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
			t.Cleanup(func() { rdb.Close() })
			opts = append(opts, WithSharedRateLimit(rdb, key))
		}
		c, err := srv.Client(append(opts, freddy.WithTimeout(10*time.Second), freddy.WithObserver(lost))...)
		require.NoError(t, err)
		t.Cleanup(c.CloseIdleConnections)
		cs[i] = c
	}
	return cs
}

type loadRow struct {
	failed, refused, late int64
	wall, floor           time.Duration
}

func (r loadRow) String() string {
	return fmt.Sprintf("failed %d, 429s per create %.3f, past deadline %d, wall %.2fs / floor %.2fs = %.3fx",
		r.failed, float64(r.refused)/loadCreates, r.late, r.wall.Seconds(), r.floor.Seconds(), r.wall.Seconds()/r.floor.Seconds())
}

// rowOf turns the tallies of one run against srv into its row.
func rowOf(srv *freddytest.Server, start time.Time, ts ...tally) loadRow {
	var r loadRow
	var ok int64
	end := start
	for _, x := range ts {
		ok += x.Succeeded
		r.failed += x.Failed
		r.late += x.PastDeadline
		end = time.Unix(0, max(end.UnixNano(), x.End))
	}
	reqs := srv.Requests()
	r.refused = reqs[len(reqs)-1].Seq - ok // every request but a create that succeeded was refused
	r.wall = end.Sub(start)
	r.floor = (loadCreates/100 - 1) * time.Second
	return r
}

func newLoadServer() *freddytest.Server {
	return freddytest.NewServer(freddytest.WithRateLimit(100, time.Second))
}

func TestLoadRun(t *testing.T) {
	if !*loadRun {
		t.Skip("the load run takes about a minute: go test -run TestLoadRun -loadrun -v .")
	}
	if shared.embedded() {
		t.Log("the load run's figures are a real redis-server's; this is miniredis")
	}
	check := func(t *testing.T, r loadRow, max429 float64) {
		t.Logf("%v; the account lost %s", r, lost.report())
		assert.Zero(t, r.failed)
		assert.Zero(t, r.late)
		assert.LessOrEqual(t, float64(r.refused)/loadCreates, max429)
	}
	for _, n := range []int{4, 16, 64} {
		t.Run(fmt.Sprintf("%d clients sharing Redis", n), func(t *testing.T) {
			srv := newLoadServer()
			defer srv.Close()
			cs := sharingClients(t, srv, shared.addr, fleetKey(t), n)
			start := time.Now()
			r := rowOf(srv, start, creates(t, cs, loadGoroutines, loadCreates))
			check(t, r, 0.01)
			assert.LessOrEqual(t, r.wall.Seconds()/r.floor.Seconds(), 1.05)
		})
	}
	for _, n := range []int{16, 64} {
		t.Run(fmt.Sprintf("%d clients, headers alone (for comparison)", n), func(t *testing.T) {
			srv := newLoadServer()
			defer srv.Close()
			cs := sharingClients(t, srv, "", "", n)
			r := rowOf(srv, time.Now(), creates(t, cs, loadGoroutines, loadCreates))
			t.Log(r)
		})
	}
	t.Run("8 processes sharing Redis", func(t *testing.T) {
		srv := newLoadServer()
		defer srv.Close()
		r := runProcesses(t, srv, 8, fleetKey(t))
		check(t, r, 0.01)
		assert.LessOrEqual(t, r.wall.Seconds()/r.floor.Seconds(), 1.05)
	})
	t.Run("16 clients, Redis frozen 1.5s-3s then killed and restarted", func(t *testing.T) {
		if useMiniredis() {
			t.Skip("freezing Redis needs redis-server (SIGSTOP)")
		}
		before := goleak.IgnoreCurrent()
		srv := newLoadServer()
		rs := ownRedis(t)
		var closers []func()
		cs := sharingClients(closerOf(t, &closers), srv, rs.addr, fleetKey(t), 16)
		start := time.Now()
		outage := make(chan error, 1)
		go func() {
			time.Sleep(1500 * time.Millisecond)
			rs.freeze()
			time.Sleep(1500 * time.Millisecond)
			rs.thaw()
			time.Sleep(500 * time.Millisecond)
			outage <- rs.restart()
		}()
		r := rowOf(srv, start, creates(t, cs, loadGoroutines, loadCreates))
		require.NoError(t, <-outage)
		check(t, r, 0.10)
		for _, c := range closers {
			c()
		}
		srv.Close()
		goleak.VerifyNone(t, before)
	})
}

// closerOf is a testing.TB whose Cleanup functions are collected in
// closers, for a test that must run them before it ends (goleak).
func closerOf(t testing.TB, closers *[]func()) testing.TB { return &collect{TB: t, closers: closers} }

type collect struct {
	testing.TB
	closers *[]func()
}

func (c *collect) Cleanup(f func()) { *c.closers = append(*c.closers, f) }

// runProcesses runs n copies of this test binary (TestLoadRunProcess), each
// one Client with its own Redis connection making its share of the creates
// from its share of the goroutines, and returns the row.
func runProcesses(t *testing.T, srv *freddytest.Server, n int, key string) loadRow {
	start := time.Now().Add(time.Second) // every process started and dialled
	type out struct {
		x   tally
		err error
	}
	results := make(chan out, n)
	for i := range n {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLoadRunProcess$", "-test.v")
		cmd.Env = append(os.Environ(),
			"LOADRUN_PROCESS="+strings.Join([]string{srv.URL, shared.addr, key,
				strconv.Itoa(loadCreates / n), strconv.Itoa(loadGoroutines / n), strconv.FormatInt(start.UnixNano(), 10)}, " "))
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start(), "process %d", i)
		go func() {
			var o out
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if line, ok := strings.CutPrefix(sc.Text(), "TALLY "); ok {
					o.err = json.Unmarshal([]byte(line), &o.x)
				}
			}
			if err := cmd.Wait(); err != nil {
				o.err = err
			}
			results <- o
		}()
	}
	var ts []tally
	for range n {
		o := <-results
		require.NoError(t, o.err)
		ts = append(ts, o.x)
	}
	return rowOf(srv, start, ts...)
}

// TestLoadRunProcess is one process of runProcesses; it does nothing unless
// LOADRUN_PROCESS says what to do.
func TestLoadRunProcess(t *testing.T) {
	spec := os.Getenv("LOADRUN_PROCESS")
	if spec == "" {
		return
	}
	f := strings.Fields(spec)
	require.Len(t, f, 6)
	creates64, _ := strconv.ParseInt(f[3], 10, 64)
	goroutines, _ := strconv.Atoi(f[4])
	startNs, _ := strconv.ParseInt(f[5], 10, 64)
	rdb := redis.NewClient(&redis.Options{Addr: f[1], ContextTimeoutEnabled: true})
	defer rdb.Close()
	c, err := freddy.NewClient(freddy.WithBaseURL(f[0]), freddy.WithAPIKey(freddytest.DefaultAPIKey),
		freddy.WithTimeout(10*time.Second), WithSharedRateLimit(rdb, f[2]))
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	require.NoError(t, rdb.Ping(context.Background()).Err())
	time.Sleep(time.Until(time.Unix(0, startNs)))
	x := creates(t, []*freddy.Client{c}, goroutines, creates64)
	b, _ := json.Marshal(x)
	fmt.Printf("TALLY %s\n", b)
}
