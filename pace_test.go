package freddy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// All tests here run in synctest bubbles: time is fake, so holds and
// releases are asserted exactly.

// windowRT serves a windowServer without sockets and records when each
// request arrived.
type windowRT struct {
	ws   *windowServer
	mu   sync.Mutex
	seen []time.Time
}

func newWindowRT(t *testing.T, limit int, window time.Duration) *windowRT {
	return &windowRT{ws: &windowServer{limit: limit, window: window, ok: fixture(t, "create_200.json"), list: fixture(t, "list_200.json")}}
}

func (w *windowRT) RoundTrip(r *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.seen = append(w.seen, time.Now())
	w.mu.Unlock()
	rec := httptest.NewRecorder()
	w.ws.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

func (w *windowRT) times() []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Time(nil), w.seen...)
}

// spend makes one call, so that the client has seen the window, then n more
// calls to spend what is left of it.
func spend(t *testing.T, c *Client, n int) {
	t.Helper()
	for range n {
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
	}
}

func TestPaceSpentWindowHoldsUntilTheResetAndReleasesAtMostTheLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newWindowRT(t, 10, time.Second)
		c := newClient(t, rt)
		start := time.Now()
		spend(t, c, 1)
		var wg sync.WaitGroup
		for range 24 {
			wg.Go(func() {
				_, err := c.Configurations.Create(context.Background(), validParams())
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		assert.Zero(t, rt.ws.refused.Load(), "no request the window had no room for was sent")
		perWindow := map[int]int{}
		for _, at := range rt.times() {
			perWindow[int(at.Sub(start)/time.Second)]++
		}
		assert.Equal(t, map[int]int{0: 10, 1: 10, 2: 5}, perWindow)
		times := rt.times()
		assert.Equal(t, time.Duration(0), times[9].Sub(start), "alone, calls go at once while the window has room, to its last")
		assert.Equal(t, time.Second, times[10].Sub(start), "the first held call goes at the reset")
	})
}

func TestPaceDeadlineBeforeTheTurnRefusesUnsent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newWindowRT(t, 1, time.Second)
		c := newClient(t, rt)
		spend(t, c, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		var resp Response
		_, err := c.Configurations.Create(ctx, validParams(), WithResponseInto(&resp))
		assert.Zero(t, time.Since(start), "refused at once")
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.ErrorIs(t, err, ErrRateLimited)
		assert.Equal(t, time.Second, rl.RetryAfter, "how long it would have waited")
		assert.Equal(t, 1, rl.Limit)
		assert.True(t, start.Add(time.Second).Equal(rl.ResetAt))
		assert.NotEmpty(t, rl.IdempotencyKey)
		assert.Contains(t, err.Error(), "request not sent")
		assert.Contains(t, err.Error(), "context deadline")
		assert.Equal(t, 0, resp.Attempts)
		assert.Len(t, rt.times(), 1, "nothing sent")

		ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel2()
		_, err = c.Configurations.Create(ctx2, validParams())
		require.NoError(t, err, "a deadline after the turn waits for it")
		assert.Equal(t, time.Second, time.Since(start))
	})
}

func TestPaceWaitLongerThanMaxRetryWaitRefusedUnsent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newWindowRT(t, 1, time.Minute)
		c := newClient(t, rt, WithMaxRetryWait(30*time.Second))
		spend(t, c, 1)
		start := time.Now()
		_, err := c.Configurations.Create(context.Background(), validParams())
		assert.Zero(t, time.Since(start))
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.Equal(t, time.Minute, rl.RetryAfter)
		assert.Contains(t, err.Error(), "request not sent")
		assert.Contains(t, err.Error(), "max retry wait 30s")
		assert.Len(t, rt.times(), 1)
	})
}

// TestPacePerCallMaxRetryWaitBoundsTheHold: a call's own WithMaxRetryWait
// decides whether it is held or refused, in both directions.
func TestPacePerCallMaxRetryWaitBoundsTheHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newWindowRT(t, 1, time.Minute)
		c := newClient(t, rt, WithMaxRetryWait(2*time.Minute))
		spend(t, c, 1)
		start := time.Now()
		_, err := c.Configurations.Create(context.Background(), validParams(), WithMaxRetryWait(30*time.Second))
		assert.Zero(t, time.Since(start))
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.Contains(t, err.Error(), "max retry wait 30s")
		assert.Len(t, rt.times(), 1, "nothing sent")

		c = newClient(t, newWindowRT(t, 1, time.Minute), WithMaxRetryWait(30*time.Second))
		spend(t, c, 1)
		start = time.Now()
		_, err = c.Configurations.Create(context.Background(), validParams(), WithMaxRetryWait(2*time.Minute))
		require.NoError(t, err, "the call's longer max wait lets it be held to the reset")
		assert.Equal(t, time.Minute, time.Since(start))
	})
}

func TestPaceCancelWhileHeldReturnsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newWindowRT(t, 1, 5*time.Second)
		c := newClient(t, rt)
		spend(t, c, 1)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := c.Configurations.Create(ctx, validParams())
			done <- err
		}()
		synctest.Wait() // the call is held
		start := time.Now()
		cancel()
		err := <-done
		assert.Zero(t, time.Since(start), "returns at once")
		assert.ErrorIs(t, err, context.Canceled)
		var re *RequestError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 0, re.Attempts)
		assert.Contains(t, err.Error(), "request not sent")
		assert.Len(t, rt.times(), 1)
	})
}

func TestPaceViewZeroBeforeAnyResponse(t *testing.T) {
	c := newClient(t, script(reply(200, nil)))
	assert.Equal(t, RateLimit{}, c.RateLimit())
}

func TestPaceBothHeaderFamiliesAndThe429BodyFeedTheView(t *testing.T) {
	ok := func(t *testing.T) []byte { return fixture(t, "create_200.json") }
	for _, tc := range []struct {
		name string
		step func(t *testing.T, now time.Time) func(*http.Request) (*http.Response, error)
		want func(now time.Time) RateLimit
	}{
		{"X-RateLimit family", func(t *testing.T, now time.Time) func(*http.Request) (*http.Response, error) {
			// Seconds from now: synctest's clock (2000) is before any Unix
			// reset the parser reads as one (2001 on), and the view does not
			// believe a reset further than paceHorizon away.
			return reply(200, ok(t), "X-RateLimit-Limit", "100", "X-RateLimit-Remaining", "7", "X-RateLimit-Reset", "30")
		}, func(now time.Time) RateLimit { return RateLimit{100, 7, now.Add(30 * time.Second).UTC()} }},
		{"-requests family", func(t *testing.T, now time.Time) func(*http.Request) (*http.Response, error) {
			return reply(200, ok(t), "X-Ratelimit-Limit-Requests", "60", "X-Ratelimit-Remaining-Requests", "59", "X-Ratelimit-Reset-Requests", "1.5s")
		}, func(now time.Time) RateLimit { return RateLimit{60, 59, now.Add(1500 * time.Millisecond).UTC()} }},
		{"the 429 body alone", func(t *testing.T, now time.Time) func(*http.Request) (*http.Response, error) {
			return reply(429, []byte(`{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"m","details":{"retry_after":20,"limit":100,"remaining":0}}}`))
		}, func(now time.Time) RateLimit { return RateLimit{100, 0, now.Add(20 * time.Second)} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				now := time.Now()
				c := newClient(t, script(tc.step(t, now)), WithMaxRetries(0))
				_, _ = c.Configurations.Create(context.Background(), validParams())
				got := c.RateLimit()
				want := tc.want(now)
				assert.Equal(t, want.Limit, got.Limit)
				assert.Equal(t, want.Remaining, got.Remaining)
				assert.True(t, want.ResetAt.Equal(got.ResetAt), "reset %v, want %v", got.ResetAt, want.ResetAt)
			})
		})
	}
}

func TestPace429StopsOtherCallsAndTheRetryGoesAtTheReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ok := fixture(t, "create_200.json")
		rt := script(reply(429, body429("1"), "Retry-After", "1", "X-Ratelimit-Reset-Requests", "800ms",
			"X-Ratelimit-Limit-Requests", "100"), reply(200, ok))
		// The worst jitter: unpaced, the retry would go at 1.25s.
		obs := &retryWaits{}
		c := newClient(t, rt, withJitter(0.999), WithObserver(obs))
		start := time.Now()
		first := startHeld(t, c)
		second := startHeld(t, c)
		first()
		second()
		reqs := rt.requests()
		require.Len(t, reqs, 3)
		assert.Equal(t, 800*time.Millisecond, reqs[1].at.Sub(start), "the other call is held until the reset the response gave, no later")
		assert.Equal(t, 800*time.Millisecond, reqs[2].at.Sub(start), "the retry goes at the reset its whole-second Retry-After rounds up, with no jitter")
		assert.Equal(t, []time.Duration{800 * time.Millisecond}, obs.got(), "the observer is told the wait the retry is held for")
	})
}

func TestPaceOffRestoresUnpacedBehaviour(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newWindowRT(t, 1, time.Second)
		c := newClient(t, rt, WithRateLimitPacing(false), withJitter(0.5))
		spend(t, c, 1)
		start := time.Now()
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		times := rt.times()
		require.Len(t, times, 3, "sent at once, refused, retried")
		assert.Equal(t, start, times[1])
		assert.Equal(t, time.Second+DefaultRetryWaitMin/4, times[2].Sub(start), "Retry-After plus jitter, as before pacing")
		assert.Equal(t, int64(1), rt.ws.refused.Load())
		assert.Equal(t, 1, c.RateLimit().Limit, "the view is still kept")
	})
}

// countingLimiter counts its calls and fails the ones listed.
type countingLimiter struct {
	calls  atomic.Int32
	failOn int32
	err    error
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	if n := l.calls.Add(1); n == l.failOn {
		return l.err
	}
	return ctx.Err()
}

func TestPaceLimiterCalledOncePerAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e500 := fixture(t, "error_500.json")
		rt := script(reply(500, e500), reply(500, e500), reply(200, fixture(t, "create_200.json")))
		l := &countingLimiter{}
		c := newClient(t, rt, WithLimiter(l))
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Equal(t, int32(3), l.calls.Load())
		assert.Len(t, rt.requests(), 3)
	})
}

func TestPaceLimiterErrorEndsTheCallUnsent(t *testing.T) {
	errFull := errors.New("store says no")
	for _, tc := range []struct {
		name   string
		failOn int32
		sent   int
		text   string
	}{
		{"first attempt", 1, 0, "freddy: Create: rate limited: request not sent: limiter: store says no"},
		{"a retry", 2, 1, "freddy: Create: rate limited: request not sent: limiter: store says no"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(reply(500, fixture(t, "error_500.json")), reply(200, fixture(t, "create_200.json")))
				l := &countingLimiter{failOn: tc.failOn, err: errFull}
				c := newClient(t, rt, WithLimiter(l))
				budget := c.core.policy.Budget.Tokens()
				_, err := c.Configurations.Create(context.Background(), validParams())
				var rl *RateLimitError
				require.ErrorAs(t, err, &rl, "a Limiter's refusal is rate limiting")
				assert.ErrorIs(t, err, ErrRateLimited)
				assert.ErrorIs(t, err, errFull, "the Limiter's error is in the chain")
				assert.Equal(t, "rate_limited", ErrorKind(err))
				assert.Zero(t, rl.StatusCode)
				assert.Equal(t, tc.sent, rl.Attempts)
				assert.NotEmpty(t, rl.IdempotencyKey)
				assert.Equal(t, tc.text, err.Error())
				assert.Len(t, rt.requests(), tc.sent)
				assert.Equal(t, budget, c.core.policy.Budget.Tokens(), "a retry not sent gives its budget back")
			})
		})
	}
}

// limiterFunc is a Limiter made of a function.
type limiterFunc func(context.Context) error

func (f limiterFunc) Wait(ctx context.Context) error { return f(ctx) }

// waitLimiter waits d, or until its context ends, like a limiter whose next
// token is d away and which does not look at the deadline first.
func waitLimiter(d time.Duration) limiterFunc {
	return func(ctx context.Context) error {
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// retryAfterErr is a Limiter's error that says when to try again.
type retryAfterErr struct{ d time.Duration }

func (e retryAfterErr) Error() string             { return "bucket empty" }
func (e retryAfterErr) RetryAfter() time.Duration { return e.d }

// A Limiter's wait is bounded like every wait: by the call's max retry wait
// and by the context's deadline. Reaching either is a refusal (a
// *RateLimitError, not the caller's context error), at the bound, not after
// the Limiter's own 10s. The caller's cancellation stays the caller's.
func TestPaceLimiterWaitIsBounded(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []RequestOption
		deadline time.Duration
		cancelAt time.Duration
		waited   time.Duration
		text     string
		kind     string
	}{
		{name: "the max retry wait", opts: []RequestOption{WithMaxRetryWait(300 * time.Millisecond)}, waited: 300 * time.Millisecond,
			text: "freddy: Get pconf_1: rate limited: request not sent: limiter: its wait reached the max retry wait 300ms", kind: "rate_limited"},
		{name: "the deadline", deadline: 2 * time.Second, waited: 2 * time.Second,
			text: "freddy: Get pconf_1: rate limited: request not sent: limiter: its wait reached the context deadline", kind: "rate_limited"},
		{name: "the caller's cancellation", cancelAt: time.Second, waited: time.Second,
			text: "freddy: Get pconf_1: request not sent: context canceled", kind: "canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(reply(200, fixture(t, "create_200.json")))
				c := newClient(t, rt, WithLimiter(waitLimiter(10*time.Second)), WithRetryWait(100*time.Millisecond, time.Second))
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tc.deadline > 0 {
					ctx, cancel = context.WithTimeout(ctx, tc.deadline)
					defer cancel()
				}
				if tc.cancelAt > 0 {
					time.AfterFunc(tc.cancelAt, cancel)
				}
				start := time.Now()
				_, err := c.Configurations.Get(ctx, "pconf_1", tc.opts...)
				require.Error(t, err)
				assert.Equal(t, tc.waited, time.Since(start))
				assert.Equal(t, tc.text, err.Error())
				assert.Equal(t, tc.kind, ErrorKind(err))
				assert.NotErrorIs(t, err, context.DeadlineExceeded, "the caller's deadline is not what ended a refused call")
				assert.Empty(t, rt.requests())
			})
		})
	}
}

// A Limiter's error that says when to try again sets RetryAfter; errors.As
// reaches the error itself.
func TestPaceLimiterRetryAfter(t *testing.T) {
	c := newClient(t, script(reply(200, nil)), WithLimiter(limiterFunc(func(context.Context) error {
		return fmt.Errorf("shared store: %w", retryAfterErr{3 * time.Second})
	})))
	_, err := c.Configurations.Get(context.Background(), "pconf_1")
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, 3*time.Second, rl.RetryAfter)
	var ra retryAfterErr
	require.ErrorAs(t, err, &ra)
	assert.Equal(t, "freddy: Get pconf_1: rate limited: request not sent: limiter: shared store: bucket empty (retry after 3s)", err.Error())
}

// An attempt that is not sent spends nothing of the Client's view of the
// window: a Limiter's refusal, an attempt whose SDK headers a middleware
// changed, a middleware that never calls next (failing the attempt, or
// answering it itself: the one "sent" rule, call.judge, says it was not
// sent). Three such attempts leave the view's Remaining where it was, and
// the next call goes at once.
func TestPaceUnsentAttemptsSpendNothing(t *testing.T) {
	errFull := errors.New("store says no")
	for _, tc := range []struct {
		name     string
		opts     func(*int) []RequestOption
		want     error
		answered bool
	}{
		{"the Limiter refused", nil, ErrRateLimited, false},
		{"the header guard", func(*int) []RequestOption {
			return []RequestOption{WithMiddleware(func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
				r.Header.Set("X-Api-Key", "another")
				return next(r)
			})}
		}, nil, false},
		{"middleware without next", func(*int) []RequestOption {
			return []RequestOption{WithMiddleware(func(*http.Request, MiddlewareNext) (*http.Response, error) {
				return nil, errors.New("circuit open")
			})}
		}, nil, false},
		{"middleware answering without next", func(*int) []RequestOption {
			return []RequestOption{WithMiddleware(func(r *http.Request, _ MiddlewareNext) (*http.Response, error) {
				return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(strings.NewReader(`{"id":"pconf_1"}`)), Request: r}, nil
			})}
		}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				refuse := false
				ok := fixture(t, "create_200.json")
				rt := script(reply(200, ok, "X-Ratelimit-Limit-Requests", "3", "X-Ratelimit-Remaining-Requests", "3", "X-Ratelimit-Reset-Requests", "10s"),
					reply(200, ok))
				c := newClient(t, rt, WithLimiter(limiterFunc(func(context.Context) error {
					if refuse {
						return errFull
					}
					return nil
				})))
				spend(t, c, 1)
				require.Equal(t, 3, c.RateLimit().Remaining)
				refuse = tc.opts == nil
				var opts []RequestOption
				if tc.opts != nil {
					opts = tc.opts(nil)
				}
				for range 3 {
					_, err := c.Configurations.Get(context.Background(), "pconf_1", append(opts, WithMaxRetries(0))...)
					if tc.answered {
						require.NoError(t, err)
						continue
					}
					require.Error(t, err)
					if tc.want != nil {
						require.ErrorIs(t, err, tc.want)
					}
				}
				assert.Equal(t, 3, c.RateLimit().Remaining, "no attempt was sent, none was spent")
				refuse = false
				start := time.Now()
				spend(t, c, 1)
				assert.Zero(t, time.Since(start), "the next call goes at once")
				assert.Len(t, rt.requests(), 2)
			})
		})
	}
}

func TestPace429OfAnotherLimitHoldsOnlyItsCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ok := fixture(t, "create_200.json")
		rt := script(reply(429, body429("2"), "X-RateLimit-Limit", "100", "X-RateLimit-Remaining", "5",
			"X-Ratelimit-Reset-Requests", "30s"), reply(200, ok))
		c := newClient(t, rt, withJitter(0.999))
		start := time.Now()
		held := startHeld(t, c)
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Zero(t, time.Since(start), "another call goes at once: the window has room")
		held()
		reqs := rt.requests()
		require.Len(t, reqs, 3)
		assert.Equal(t, 2*time.Second, reqs[2].at.Sub(start), "the held call retries after its Retry-After, without jitter")
	})
}

// startHeld starts a Create on c and returns once its first attempt got its
// answer and the call is held; wait waits for it to end.
func startHeld(t *testing.T, c *Client) (wait func()) {
	var wg sync.WaitGroup
	wg.Go(func() {
		_, err := c.Configurations.Create(context.Background(), validParams())
		assert.NoError(t, err)
	})
	synctest.Wait()
	return wg.Wait
}

// TestPaceCostsNothingWhileTheLimitIsFarAway: reading a response's window
// and passing the seam allocate nothing, with or without rate-limit headers.
func TestPaceCostsNothingWhileTheLimitIsFarAway(t *testing.T) {
	for name, h := range map[string]http.Header{
		"no headers": {"Content-Type": {"application/json"}},
		"both families": {"X-Ratelimit-Limit": {"1000000"}, "X-Ratelimit-Remaining": {"999999"}, "X-Ratelimit-Reset": {"4102444800"},
			"X-Ratelimit-Limit-Requests": {"1000000"}, "X-Ratelimit-Remaining-Requests": {"999999"}, "X-Ratelimit-Reset-Requests": {"59.5s"}},
	} {
		t.Run(name, func(t *testing.T) {
			c := newClient(t, script(reply(200, nil)))
			ctx := context.Background()
			cl := &call{core: c.core, callState: callState{op: op{name: "Create"}, key: c.core.keyHash}}
			g := &pacing{key: c.core.keyHash, op: &cl.op, policy: c.core.policy, maxWait: DefaultMaxRetryWait, cl: cl}
			allocs := testing.AllocsPerRun(200, func() {
				cl.see(ctx, h, nil)
				if _, err := c.core.beforeAttempt(ctx, g); err != nil {
					t.Fatal(err)
				}
			})
			assert.Zero(t, allocs)
		})
	}
}

// retryWaits records the Wait of every retry its calls report, from any
// number of calls at once.
type retryWaits struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (o *retryWaits) ObserveCall(ctx context.Context, _ CallInfo) (context.Context, CallObserver) {
	return ctx, o
}

func (o *retryWaits) Attempt(r *http.Request, next MiddlewareNext) (*http.Response, error) {
	return next(r)
}

func (o *retryWaits) Retry(ri RetryInfo) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waits = append(o.waits, ri.Wait)
}

func (o *retryWaits) End(CallResult) {}

func (o *retryWaits) got() []time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.waits
}
