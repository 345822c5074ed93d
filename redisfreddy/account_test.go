package redisfreddy

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aitronos/freddy-go"
)

var bucket = freddy.RateLimitBucket{Key: "k1a2b3c4", Endpoint: "POST /v1/personal-connectors/configurations"}

// clocked is an account on the shared Redis whose scripts read the time from
// a clock the test moves.
type clocked struct {
	*account
	t   *testing.T
	now time.Time
}

func newClocked(t *testing.T) *clocked {
	c := &clocked{t: t, now: time.Unix(1_800_000_000, 0)}
	c.account = testAccount(t, shared.client(t))
	c.account.now = func() time.Time { return c.now }
	return c
}

func (c *clocked) advance(d time.Duration) { c.now = c.now.Add(d) }

func (c *clocked) observe(limit, remaining int, reset time.Duration) {
	c.t.Helper()
	require.NoError(c.t, c.Observe(context.Background(), bucket, freddy.RateLimitWindow{Limit: limit, Remaining: remaining, Reset: reset}))
}

// grants reserves until the account says wait, and returns how many sends it
// granted and the wait.
func (c *clocked) grants() (int, time.Duration) {
	c.t.Helper()
	for n := 0; ; n++ {
		wait, err := c.Reserve(context.Background(), bucket)
		require.NoError(c.t, err)
		if wait > 0 {
			return n, wait
		}
		require.Less(c.t, n, 10_000, "the account never says wait")
	}
}

// testAccount is an account of a fleet no other test shares, whose Redis
// calls have time to answer under -race on a loaded machine.
func testAccount(t *testing.T, rdb redis.UniversalClient, opts ...Option) *account {
	return newAccount(rdb, fleetKey(t), append([]Option{WithTimeout(5 * time.Second)}, opts...)...)
}

func TestReserveNeverGrantsMoreThanRemaining(t *testing.T) {
	a := testAccount(t, shared.client(t))
	ctx := context.Background()
	require.NoError(t, a.Observe(ctx, bucket, freddy.RateLimitWindow{Limit: 100, Remaining: 37, Reset: 30 * time.Second}))
	var granted, waited atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				wait, err := a.Reserve(ctx, bucket)
				if !assert.NoError(t, err) {
					return
				}
				if wait == 0 {
					granted.Add(1)
					continue
				}
				waited.Add(1)
				assert.LessOrEqual(t, wait, 30*time.Second)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 37, granted.Load())
	assert.EqualValues(t, 16*20-37, waited.Load())
}

func TestWholeWindowAtItsStartThenWaitForTheReset(t *testing.T) {
	c := newClocked(t)
	c.observe(100, 99, time.Second)
	n, wait := c.grants()
	assert.Equal(t, 99, n)
	assert.Equal(t, time.Second, wait)
	c.advance(400 * time.Millisecond)
	_, wait = c.grants()
	assert.Equal(t, 600*time.Millisecond, wait)
}

func TestResponsesOnlyLowerTheSendsLeft(t *testing.T) {
	c := newClocked(t)
	c.observe(100, 50, time.Second)
	for range 10 {
		wait, err := c.Reserve(context.Background(), bucket)
		require.NoError(t, err)
		require.Zero(t, wait)
	}
	// A response made before the ten sends arrived says 45: it cannot
	// bring back the five it did not see.
	c.observe(100, 45, 900*time.Millisecond)
	n, _ := c.grants()
	assert.Equal(t, 40, n)
}

func TestAnotherSenderLowersTheSendsLeft(t *testing.T) {
	c := newClocked(t)
	c.observe(100, 90, time.Second)
	c.observe(100, 20, 800*time.Millisecond)
	n, _ := c.grants()
	assert.Equal(t, 20, n)
}

func TestTheEarliestResetWins(t *testing.T) {
	c := newClocked(t)
	c.observe(10, 0, time.Second+20*time.Millisecond)
	c.observe(10, 0, time.Second)
	c.observe(10, 0, time.Second+30*time.Millisecond)
	_, wait := c.grants()
	assert.Equal(t, time.Second, wait)
}

func TestANewWindowWhenTheResetMovesOn(t *testing.T) {
	c := newClocked(t)
	c.observe(100, 0, time.Second)
	c.advance(1100 * time.Millisecond)
	c.observe(100, 80, 950*time.Millisecond)
	n, wait := c.grants()
	assert.Equal(t, 80, n)
	assert.Equal(t, 950*time.Millisecond, wait)
}

func TestALateAnswerFromAnEndedWindowChangesNothing(t *testing.T) {
	c := newClocked(t)
	c.observe(100, 0, time.Second)
	c.advance(time.Second)
	// The reset passed: the next window is projected, whole.
	n, wait := c.grants()
	assert.Equal(t, 100, n)
	assert.Equal(t, time.Second, wait)
	// An answer from the ended window, its reset 5ms after the ended one,
	// neither ends the projected window nor gives it back capacity.
	c.advance(10 * time.Millisecond)
	c.observe(100, 3, 0) // says nothing: no reset ahead
	c.observe(100, 3, time.Millisecond)
	c.observe(100, 3, 5*time.Millisecond)
	n, wait = c.grants()
	assert.Zero(t, n)
	assert.Equal(t, 990*time.Millisecond, wait)
}

func TestTheResetPassingUnseenProjectsTheNextWindow(t *testing.T) {
	c := newClocked(t)
	c.observe(100, 0, time.Second)
	c.advance(1500 * time.Millisecond)
	n, wait := c.grants()
	assert.Equal(t, 100, n, "the whole limit at the projected window's start")
	assert.Equal(t, time.Second, wait, "the projection ends one window after now")
	// No response from it either: the next projection.
	c.advance(time.Second)
	n, _ = c.grants()
	assert.Equal(t, 100, n)
}

// A server whose windows are aligned (here 1s to 2s) ends the window before
// the projection (1.5s to 2.5s); one that started it later ends it after.
func TestTheFirstResponseOfAProjectedWindowCorrectsIt(t *testing.T) {
	for _, reset := range []time.Duration{400 * time.Millisecond, 1200 * time.Millisecond} {
		t.Run(reset.String(), func(t *testing.T) {
			c := newClocked(t)
			c.observe(100, 0, time.Second)
			c.advance(1500 * time.Millisecond)
			wait, err := c.Reserve(context.Background(), bucket)
			require.NoError(t, err)
			require.Zero(t, wait)
			c.advance(100 * time.Millisecond)
			c.observe(100, 60, reset)
			n, wait := c.grants()
			assert.Equal(t, 60, n)
			assert.Equal(t, reset, wait)
		})
	}
}

// While no window is known one send goes to learn it; the others wait
// 20ms at a time, for at most a second, so that the fleet sends no more
// than the server said remains (rule 6).
func TestOneSendLearnsTheWindow(t *testing.T) {
	c := newClocked(t)
	wait, err := c.Reserve(context.Background(), bucket)
	require.NoError(t, err)
	require.Zero(t, wait, "one send learns the window")
	for range 3 {
		wait, err = c.Reserve(context.Background(), bucket)
		require.NoError(t, err)
		require.Equal(t, 20*time.Millisecond, wait, "the others wait for its answer")
	}
	c.advance(990 * time.Millisecond)
	wait, err = c.Reserve(context.Background(), bucket)
	require.NoError(t, err)
	require.Equal(t, 10*time.Millisecond, wait, "for at most a second")
	c.observe(100, 99, time.Second)
	n, _ := c.grants()
	assert.Equal(t, 99, n, "the window as its answer said")
}

// A learning send whose answer does not come (no rate-limit headers, an
// error) holds the others for a second, once: then sends are granted and
// counted, and the first answer subtracts them (rule 1).
func TestSendsBeforeAnyWindowAreCounted(t *testing.T) {
	c := newClocked(t)
	_, err := c.Reserve(context.Background(), bucket)
	require.NoError(t, err)
	c.advance(time.Second)
	for range 5 {
		wait, err := c.Reserve(context.Background(), bucket)
		require.NoError(t, err)
		require.Zero(t, wait, "no second learning hold")
	}
	// The first answer counted one of the six; the other five may still
	// be on their way.
	c.observe(100, 99, time.Second)
	n, _ := c.grants()
	assert.Equal(t, 94, n)
}

func TestBucketsAreApart(t *testing.T) {
	c := newClocked(t)
	c.observe(100, 0, time.Second)
	other := bucket
	other.Endpoint = "GET /v1/personal-connectors/configurations"
	wait, err := c.Reserve(context.Background(), other)
	require.NoError(t, err)
	assert.Zero(t, wait)
}

func TestAWindowWithoutAResetIsNotRecorded(t *testing.T) {
	c := newClocked(t)
	c.observe(100, 0, 0)
	c.observe(0, 0, time.Second)
	keys, err := c.rdb.Keys(context.Background(), "*"+c.prefix[len("freddy:{"):len(c.prefix)-2]+"*").Result()
	require.NoError(t, err)
	assert.Empty(t, keys)
}

// The scripts read Redis TIME: without an injected clock, a spent window's
// wait runs on Redis's clock and, once waited, the next window is granted.
func TestTimeComesFromRedis(t *testing.T) {
	a := testAccount(t, shared.client(t))
	ctx := context.Background()
	require.NoError(t, a.Observe(ctx, bucket, freddy.RateLimitWindow{Limit: 3, Remaining: 0, Reset: 200 * time.Millisecond}))
	wait, err := a.Reserve(ctx, bucket)
	require.NoError(t, err)
	require.Greater(t, wait, time.Duration(0))
	require.LessOrEqual(t, wait, 200*time.Millisecond)
	time.Sleep(wait)
	for range 3 {
		wait, err = a.Reserve(ctx, bucket)
		require.NoError(t, err)
		assert.Zero(t, wait)
	}
}

func windowOf(limit, remaining int, reset time.Duration) freddy.RateLimitWindow {
	return freddy.RateLimitWindow{Limit: limit, Remaining: remaining, Reset: reset}
}
