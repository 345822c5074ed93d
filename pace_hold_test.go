package freddy

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPaceMaxRetryWaitBoundsTheWholeHold: a call queued behind others looks
// again at every reset; WithMaxRetryWait bounds its whole hold, not each
// look. 1 per 300ms, max wait 400ms, 6 calls after a spent window: one goes
// at the first reset, the other five would next look at 600ms (a hold of
// 600ms) and are refused at 300ms, unsent.
func TestPaceMaxRetryWaitBoundsTheWholeHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newWindowRT(t, 1, 300*time.Millisecond)
		c := newClient(t, rt, WithRetryWait(100*time.Millisecond, 400*time.Millisecond), WithMaxRetryWait(400*time.Millisecond))
		spend(t, c, 1)
		start := time.Now()
		var mu sync.Mutex
		var refused []*RateLimitError
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_, err := c.Configurations.Create(ctx, validParams())
				assert.LessOrEqual(t, time.Since(start), 400*time.Millisecond, "no call is held longer than its max wait")
				if err == nil {
					return
				}
				var rl *RateLimitError
				require.ErrorAs(t, err, &rl)
				mu.Lock()
				refused = append(refused, rl)
				mu.Unlock()
			})
		}
		wg.Wait()
		assert.Len(t, rt.times(), 2, "one held call sent, at the reset")
		require.Len(t, refused, 5)
		for _, rl := range refused {
			assert.Zero(t, rl.StatusCode)
			assert.Zero(t, rl.Attempts)
			assert.Equal(t, 300*time.Millisecond, rl.RetryAfter, "the wait still ahead: to the next window")
			assert.Contains(t, rl.Error(), "max retry wait 400ms")
		}
	})
}

// TestPaceDeadlineBoundsTheWholeHold: the same with a context deadline of
// 600ms instead of the max wait: the turn at 300ms leaves 300ms, more than
// MinAttemptTime; the next, at 600ms, is the deadline itself.
func TestPaceDeadlineBoundsTheWholeHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newWindowRT(t, 1, 300*time.Millisecond)
		c := newClient(t, rt)
		spend(t, c, 1)
		start := time.Now()
		var wg sync.WaitGroup
		var mu sync.Mutex
		refused := 0
		for range 6 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
				defer cancel()
				_, err := c.Configurations.Create(ctx, validParams())
				if err != nil {
					var rl *RateLimitError
					require.ErrorAs(t, err, &rl)
					assert.Contains(t, rl.Error(), "context deadline")
					assert.Equal(t, 300*time.Millisecond, time.Since(start), "refused when it looks again, not at the deadline")
					mu.Lock()
					refused++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		assert.Equal(t, 5, refused)
		assert.Len(t, rt.times(), 2)
	})
}

// TestPaceRetryWaitsItsRetryAfterWhenTheResetIsSooner: a 429 saying
// Retry-After 3 with a 100ms x-ratelimit-reset-requests: the paced retry
// waits the 3s asked, once, instead of spending its retries at each 100ms
// reset; another call is held only to the view's precise reset.
func TestPaceRetryWaitsItsRetryAfterWhenTheResetIsSooner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e429 := reply(429, body429("3"), "Retry-After", "3", "X-RateLimit-Limit", "5", "X-RateLimit-Remaining", "0",
			"X-Ratelimit-Reset-Requests", "0.100s")
		ok := fixture(t, "create_200.json")
		rt := script(e429, reply(200, ok), reply(200, ok))
		c := newClient(t, rt, WithMaxRetries(4), withJitter(0.999))
		start := time.Now()
		held := startHeld(t, c)
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		held()
		reqs := rt.requests()
		require.Len(t, reqs, 3)
		assert.Equal(t, 100*time.Millisecond, reqs[1].at.Sub(start), "another call goes at the view's reset")
		assert.Equal(t, 3*time.Second, reqs[2].at.Sub(start), "the retry waits its 429's Retry-After")
	})
}

// TestPaceResetBeyondTheHorizonIgnored: a response whose reset is further
// away than an hour does not hold or refuse the calls after it; a reset
// within the hour still does.
func TestPaceResetBeyondTheHorizonIgnored(t *testing.T) {
	ok := func(t *testing.T) []byte { return fixture(t, "create_200.json") }
	for _, tc := range []struct {
		name  string
		first func(t *testing.T) func(*http.Request) (*http.Response, error)
	}{
		{"429 retry_after 1e300", func(t *testing.T) func(*http.Request) (*http.Response, error) {
			return reply(429, []byte(`{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"m","details":{"retry_after":1e300}}}`), "Retry-After", "1")
		}},
		{"remaining 0, Unix reset 99999999999", func(t *testing.T) func(*http.Request) (*http.Response, error) {
			return reply(200, ok(t), "X-RateLimit-Limit", "5", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "99999999999")
		}},
		{"remaining 0, RFC 3339 year 9999", func(t *testing.T) func(*http.Request) (*http.Response, error) {
			return reply(200, ok(t), "X-RateLimit-Limit", "5", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "9999-12-31T23:59:59Z")
		}},
		{"remaining 0, reset 2562047h", func(t *testing.T) func(*http.Request) (*http.Response, error) {
			return reply(200, ok(t), "X-RateLimit-Limit", "5", "X-RateLimit-Remaining", "0", "X-Ratelimit-Reset-Requests", "2562047h")
		}},
		{"remaining 0, reset 1h0m1s", func(t *testing.T) func(*http.Request) (*http.Response, error) {
			return reply(200, ok(t), "X-RateLimit-Limit", "5", "X-RateLimit-Remaining", "0", "X-Ratelimit-Reset-Requests", "1h0m1s")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(tc.first(t), reply(200, ok(t)))
				c := newClient(t, rt, WithMaxRetries(0))
				_, _ = c.Configurations.Create(context.Background(), validParams())
				start := time.Now()
				_, err := c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err, "the next call is sent")
				assert.Zero(t, time.Since(start), "at once")
				assert.Len(t, rt.requests(), 2)
			})
		})
	}
	t.Run("a reset within the hour is believed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt := script(reply(200, ok(t), "X-RateLimit-Limit", "5", "X-RateLimit-Remaining", "0", "X-Ratelimit-Reset-Requests", "59m"))
			c := newClient(t, rt, WithMaxRetries(0))
			_, _ = c.Configurations.Create(context.Background(), validParams())
			_, err := c.Configurations.Create(context.Background(), validParams())
			var rl *RateLimitError
			require.ErrorAs(t, err, &rl)
			assert.Equal(t, 59*time.Minute, rl.RetryAfter)
			assert.Len(t, rt.requests(), 1, "refused unsent")
		})
	})
}
