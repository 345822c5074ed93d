package redisfreddy

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is the guard's clock in tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newGuard() (*guard, *fakeClock) {
	clk := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	return &guard{cooldown: time.Second, clock: clk.Now}, clk
}

var errRedis = errors.New("connection refused")

func answer(n int64, err error) func(context.Context) (int64, error) {
	return func(context.Context) (int64, error) { return n, err }
}

// fail makes n calls that fail.
func fail(t *testing.T, g *guard, n int) {
	t.Helper()
	for range n {
		_, err := do(g, context.Background(), time.Second, answer(0, errRedis))
		require.ErrorIs(t, err, ErrUnavailable)
		require.ErrorIs(t, err, errRedis)
	}
}

// failFor makes calls fail for tripSpan.
func failFor(t *testing.T, g *guard, clk *fakeClock) {
	t.Helper()
	fail(t, g, 1)
	clk.advance(tripSpan)
	fail(t, g, 1)
}

// A stall (every call out at that moment failing at once) or failures with
// answers in between cost only their own calls.
func TestGuardAStallCostsOnlyItsCalls(t *testing.T) {
	g, clk := newGuard()
	for range 5 {
		fail(t, g, 20)
		clk.advance(tripSpan - time.Millisecond)
		fail(t, g, 20)
		n, err := do(g, context.Background(), time.Second, answer(4, nil))
		require.NoError(t, err, "Redis is asked: an answer in between starts again")
		require.EqualValues(t, 4, n)
		clk.advance(tripSpan)
	}
}

func TestGuardCoolsDownAfterFailingForASpanThenProbesOnce(t *testing.T) {
	g, clk := newGuard()
	ctx := context.Background()
	failFor(t, g, clk)

	asked := false
	_, err := do(g, ctx, time.Second, func(context.Context) (int64, error) { asked = true; return 0, nil })
	require.ErrorIs(t, err, ErrUnavailable)
	assert.False(t, asked, "Redis is not asked during the cooldown")
	assert.Contains(t, err.Error(), "asking again in 1s")

	clk.advance(time.Second)
	release := make(chan struct{})
	probing := make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := do(g, ctx, time.Second, func(context.Context) (int64, error) {
			close(probing)
			<-release
			return 7, nil
		})
		done <- err
	}()
	<-probing
	_, err = do(g, ctx, time.Second, answer(0, nil))
	require.ErrorIs(t, err, ErrUnavailable, "one probe at a time")
	close(release)
	require.NoError(t, <-done)

	n, err := do(g, ctx, time.Second, answer(3, nil))
	require.NoError(t, err, "the probe's answer closes the guard")
	assert.EqualValues(t, 3, n)
}

func TestGuardAFailedProbeCoolsDownAgain(t *testing.T) {
	g, clk := newGuard()
	ctx := context.Background()
	failFor(t, g, clk)
	clk.advance(time.Second)
	_, err := do(g, ctx, time.Second, answer(0, errRedis))
	require.ErrorIs(t, err, errRedis)
	_, err = do(g, ctx, time.Second, answer(0, nil))
	require.ErrorIs(t, err, ErrUnavailable)
	assert.Contains(t, err.Error(), "asking again in 1s", "one failed probe is enough")
}

func TestGuardTheCallerGivingUpIsNoVerdict(t *testing.T) {
	g, _ := newGuard()
	ctx, cancel := context.WithCancel(context.Background())
	_, err := do(g, ctx, time.Second, func(context.Context) (int64, error) {
		cancel()
		return 0, context.Canceled
	})
	require.ErrorIs(t, err, context.Canceled)
	_, err = do(g, context.Background(), time.Second, answer(1, nil))
	assert.NoError(t, err, "the guard is still closed")
}

// frozenRedis accepts connections and never answers, as a Redis stopped by
// SIGSTOP or a dead network path does. It closes them at the test's end.
func frozenRedis(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// A frozen Redis costs a few bounds, then nothing until the cooldown ends, even
// with a redis client whose reads ignore the context (the default
// ContextTimeoutEnabled false, ReadTimeout 3s).
func TestFrozenRedisCostsOneBound(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: frozenRedis(t)})
	t.Cleanup(func() { rdb.Close() })
	a := newAccount(rdb, fleetKey(t))
	// Each call costs its bound until calls have failed for tripSpan.
	for range int(tripSpan/DefaultTimeout) + 1 {
		start := time.Now()
		_, err := a.Reserve(context.Background(), bucket)
		took := time.Since(start)
		require.ErrorIs(t, err, ErrUnavailable)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "redisfreddy: reserve: redis unavailable: no answer within 50ms")
		assert.Less(t, took, time.Second, "bounded by WithTimeout's default, 50ms")
	}

	_, err := a.Reserve(context.Background(), bucket)
	require.ErrorIs(t, err, ErrUnavailable)
	assert.Contains(t, err.Error(), "asking again", "no Redis call during the cooldown")
}

func TestACallsDeadlineBoundsTheRedisCall(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: frozenRedis(t), ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	a := newAccount(rdb, fleetKey(t), WithTimeout(time.Minute))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := a.Observe(ctx, bucket, windowOf(100, 5, time.Second))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	deadline, _ := ctx.Deadline()
	assert.Less(t, time.Since(deadline), 500*time.Millisecond, "returned at the call's deadline, not WithTimeout's minute")
	// One call's deadline starts no cooldown by itself: calls must have
	// failed for tripSpan (TestGuardADeadlineIsAVerdict).
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = a.Reserve(ctx, bucket)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotContains(t, err.Error(), "asking again")
}

func TestRecoversAfterRedisRestartsOnItsPort(t *testing.T) {
	srv := ownRedis(t)
	a := newAccount(srv.client(t), fleetKey(t), WithTimeout(time.Second))
	clk := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	a.guard.clock = clk.Now
	ctx := context.Background()
	require.NoError(t, a.Observe(ctx, bucket, windowOf(100, 50, time.Minute)))

	srv.stop()
	_, err := a.Reserve(ctx, bucket)
	require.ErrorIs(t, err, ErrUnavailable)
	clk.advance(tripSpan)
	_, err = a.Reserve(ctx, bucket)
	require.ErrorIs(t, err, ErrUnavailable)
	_, err = a.Reserve(ctx, bucket)
	require.ErrorIs(t, err, ErrUnavailable)
	require.Contains(t, err.Error(), "asking again", "cooling down")

	require.NoError(t, srv.restart())
	clk.advance(DefaultCooldown)
	wait, err := a.Reserve(ctx, bucket)
	require.NoError(t, err, "the first call after the cooldown reaches the new Redis")
	assert.Zero(t, wait, "an empty Redis knows no window: the send goes")
	require.NoError(t, a.Observe(ctx, bucket, windowOf(100, 0, time.Minute)))
	wait, err = a.Reserve(ctx, bucket)
	require.NoError(t, err)
	assert.Positive(t, wait)
}

func TestBadArgumentsSayWhy(t *testing.T) {
	_, err := newAccount(nil, "fleet").Reserve(context.Background(), bucket)
	assert.EqualError(t, err, "redisfreddy: WithSharedRateLimit: the redis client is nil")
	err = newAccount(shared.client(t), "").Observe(context.Background(), bucket, windowOf(1, 1, time.Second))
	assert.EqualError(t, err, "redisfreddy: WithSharedRateLimit: the key is empty")
}

// A call whose deadline ends before Redis answers is a failure of Redis (the
// Client bounds its account calls by this bound, so the two end together):
// failing for tripSpan starts the cooldown. Only a cancel is no verdict.
func TestGuardADeadlineIsAVerdict(t *testing.T) {
	g, clk := newGuard()
	frozen := func(ctx context.Context) (int64, error) { <-ctx.Done(); return 0, ctx.Err() }
	short := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		_, err := do(g, ctx, time.Millisecond, frozen)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	}
	short()
	clk.advance(tripSpan)
	short()
	_, err := do(g, context.Background(), time.Second, answer(1, nil))
	require.ErrorIs(t, err, ErrUnavailable)
	assert.Contains(t, err.Error(), "asking again", "cooling down: no Redis call")
}

// A typed nil client is refused like a nil one, and a redis client that
// panics is a failed call, not a crash of the process.
func TestANilOrPanickingClientFailsTheCallOnly(t *testing.T) {
	var typedNil *redis.Client
	_, err := newAccount(typedNil, "fleet").Reserve(context.Background(), bucket)
	assert.EqualError(t, err, "redisfreddy: WithSharedRateLimit: the redis client is nil")

	type broken struct{ redis.UniversalClient } // every method panics
	_, err = newAccount(broken{}, "fleet").Reserve(context.Background(), bucket)
	require.ErrorIs(t, err, ErrUnavailable)
	assert.Contains(t, err.Error(), "the redis client panicked")
}
