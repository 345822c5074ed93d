package redisfreddy

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scripts counts the scripts a redis client runs.
type scripts struct{ n atomic.Int64 }

func (s *scripts) DialHook(next redis.DialHook) redis.DialHook { return next }
func (s *scripts) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (s *scripts) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if n := cmd.Name(); n == "evalsha" || n == "eval" {
			s.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func countedAccount(t *testing.T) (*account, *scripts) {
	rdb := shared.client(t)
	c := &scripts{}
	rdb.AddHook(c)
	return testAccount(t, rdb), c
}

func reserveN(t *testing.T, a *account, n int) {
	t.Helper()
	for range n {
		wait, err := a.Reserve(context.Background(), bucket)
		require.NoError(t, err)
		require.Zero(t, wait)
	}
}

// grantsLeft reserves until the account says wait.
func grantsLeft(t *testing.T, a *account) int {
	t.Helper()
	for n := 0; ; n++ {
		wait, err := a.Reserve(context.Background(), bucket)
		require.NoError(t, err)
		if wait > 0 {
			return n
		}
		require.Less(t, n, 10_000)
	}
}

func TestAnObservationThatChangesNothingIsNotSent(t *testing.T) {
	a, sent := countedAccount(t)
	ctx := context.Background()
	require.NoError(t, a.Observe(ctx, bucket, windowOf(100, 50, 10*time.Second)))
	reserveN(t, a, 10)
	before := sent.n.Load()
	// Made before the ten sends arrived, and later than the first: its reset
	// is no earlier, its remaining above the 40 left.
	require.NoError(t, a.Observe(ctx, bucket, windowOf(100, 45, 10*time.Second)))
	assert.Equal(t, before, sent.n.Load(), "no round trip")
	assert.Equal(t, 40, grantsLeft(t, a))
}

func TestAnObservationThatMayChangeSomethingIsSent(t *testing.T) {
	for name, w := range map[string]struct{ limit, remaining int }{
		"fewer remaining than left": {100, 30},
		"another limit":             {90, 60},
	} {
		t.Run(name, func(t *testing.T) {
			a, sent := countedAccount(t)
			ctx := context.Background()
			require.NoError(t, a.Observe(ctx, bucket, windowOf(100, 50, 10*time.Second)))
			reserveN(t, a, 10)
			before := sent.n.Load()
			require.NoError(t, a.Observe(ctx, bucket, windowOf(w.limit, w.remaining, 10*time.Second)))
			assert.Equal(t, before+1, sent.n.Load())
			assert.Equal(t, min(40, w.remaining), grantsLeft(t, a))
		})
	}
}

func TestAnEarlierResetIsSent(t *testing.T) {
	a, sent := countedAccount(t)
	ctx := context.Background()
	require.NoError(t, a.Observe(ctx, bucket, windowOf(100, 50, 10*time.Second)))
	before := sent.n.Load()
	require.NoError(t, a.Observe(ctx, bucket, windowOf(100, 50, 9*time.Second)))
	assert.Equal(t, before+1, sent.n.Load())
	_, err := a.Reserve(ctx, bucket)
	require.NoError(t, err)
	s, ok := a.seen.get(a.key(bucket))
	require.True(t, ok)
	assert.Less(t, time.Until(s.reset), 9*time.Second+time.Second/2)
}

// A Redis that lost the window (restarted empty) is told again: the next
// Reserve's reply holds no window and the account forgets what it saw.
func TestAnEmptiedRedisIsToldTheWindowAgain(t *testing.T) {
	a, sent := countedAccount(t)
	ctx := context.Background()
	require.NoError(t, a.Observe(ctx, bucket, windowOf(100, 50, 10*time.Second)))
	reserveN(t, a, 1)
	require.NoError(t, a.rdb.Del(ctx, a.key(bucket)).Err())
	reserveN(t, a, 1)
	before := sent.n.Load()
	require.NoError(t, a.Observe(ctx, bucket, windowOf(100, 45, 10*time.Second)))
	assert.Equal(t, before+1, sent.n.Load())
	assert.Equal(t, 45, grantsLeft(t, a), "the window Redis learns again")
}
