package freddy

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// All tests here run in synctest bubbles: time is fake and advances only
// when every goroutine is blocked, so waits are asserted exactly and the
// suite takes milliseconds.

func body429(secs string) []byte {
	return []byte(`{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Too many requests.","trace_id":"req_rl","details":{"retry_after":` + secs + `}}}`)
}

func TestRetryBackoffWaitsAndAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e500 := fixture(t, "error_500.json")
		rt := script(reply(500, e500), reply(503, nil), reply(200, fixture(t, "create_200.json")))
		c := newClient(t, rt, withJitter(0.5))
		start := time.Now()
		got, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Equal(t, "pconf_abc123", got.ID)
		reqs := rt.requests()
		require.Len(t, reqs, 3)
		// retry 1: c = 1s, [500ms, 1s) at jitter 0.5 -> 750ms; retry 2: c = 2s -> 1.5s.
		assert.Equal(t, []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond}, gaps(reqs))
		assert.Equal(t, 2250*time.Millisecond, time.Since(start))
		for _, r := range reqs[1:] {
			assert.Equal(t, reqs[0].header.Get("Idempotency-Key"), r.header.Get("Idempotency-Key"), "one key for every attempt")
			assert.Equal(t, reqs[0].body, r.body, "identical body on every attempt")
		}
	})
}

func TestRetryBackoffBounds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(500, nil))
		c := newClient(t, rt, withJitter(0.999999), WithMaxRetries(6), WithRetryWait(100*time.Millisecond, time.Second))
		_, err := c.Configurations.Create(context.Background(), validParams())
		var se *ServerError
		require.ErrorAs(t, err, &se)
		g := gaps(rt.requests())
		require.Len(t, g, 6)
		ceilings := []time.Duration{200, 400, 800, 1000, 1000, 1000}
		for i, d := range g {
			ceiling := ceilings[i] * time.Millisecond
			assert.LessOrEqual(t, d, ceiling, "retry %d", i+1)
			assert.GreaterOrEqual(t, d, ceiling*99/100, "retry %d", i+1)
		}
	})
}

func TestRetryAttemptCounts(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want int
	}{
		{"default two retries", nil, 3},
		{"none", []Option{WithMaxRetries(0)}, 1},
		{"five", []Option{WithMaxRetries(5)}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(reply(500, fixture(t, "error_500.json")))
				c := newClient(t, rt, tt.opts...)
				_, err := c.Configurations.Create(context.Background(), validParams())
				var se *ServerError
				require.ErrorAs(t, err, &se, "the last response's typed error, not a generic giving-up error")
				want := "freddy: Create: 500 INTERNAL_SERVER_ERROR: An unexpected error occurred. Please try again later. (trace_id req_jkl012)"
				if tt.want > 1 {
					want = strings.Replace(want, "(trace_id", "("+strconv.Itoa(tt.want)+" attempts, trace_id", 1)
				}
				assert.Equal(t, want, err.Error(), "says how many attempts were made")
				assert.Len(t, rt.requests(), tt.want)
			})
		})
	}
}

func TestRetryStatuses(t *testing.T) {
	tests := []struct {
		status int
		retry  bool
	}{
		{400, false}, {401, false}, {403, false}, {404, false}, {409, false}, {422, false},
		{429, true}, {500, true}, {501, false}, {502, true}, {503, true}, {504, true}, {505, false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(reply(tt.status, nil), reply(200, fixture(t, "create_200.json")))
				c := newClient(t, rt)
				_, err := c.Configurations.Create(context.Background(), validParams())
				if tt.retry {
					require.NoError(t, err)
					assert.Len(t, rt.requests(), 2)
				} else {
					var apiErr *APIError
					require.ErrorAs(t, err, &apiErr)
					assert.Equal(t, tt.status, apiErr.StatusCode)
					assert.Len(t, rt.requests(), 1)
				}
			})
		})
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		body   []byte
		header func() string
		want   time.Duration
	}{
		{"body seconds", body429("2"), nil, 2 * time.Second},
		{"body longer than header", body429("3"), func() string { return "1" }, 3 * time.Second},
		{"header longer than body", body429("1"), func() string { return "4" }, 4 * time.Second},
		{"header HTTP-date", body429("null"), func() string { return time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat) }, 5 * time.Second},
		{"fractional", body429("0.25"), nil, 250 * time.Millisecond},
		{"neither: backoff", body429("null"), nil, 500 * time.Millisecond},
		{"zero: backoff", body429("0"), nil, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				first := reply(429, tt.body)
				if tt.header != nil {
					first = func(*http.Request) (*http.Response, error) {
						return response(429, tt.body, "Retry-After", tt.header()), nil
					}
				}
				rt := script(first, reply(200, fixture(t, "create_200.json")))
				c := newClient(t, rt)
				_, err := c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				assert.Equal(t, []time.Duration{tt.want}, gaps(rt.requests()), "exactly what the server asked, never sooner")
			})
		})
	}
}

func TestRetryRefusesWaitsThatDoNotFit(t *testing.T) {
	tests := []struct {
		name     string
		opts     []Option
		deadline time.Duration
		secs     string
	}{
		{"the documented 429 (60s) under defaults", nil, 0, "60"},
		{"longer than default max wait", nil, 0, "11"},
		{"longer than WithMaxRetryWait", []Option{WithMaxRetryWait(5 * time.Second)}, 0, "6"},
		{"longer than the context deadline", []Option{WithMaxRetryWait(time.Minute)}, 10 * time.Second, "11"},
		{"leaves less than the minimum attempt time", nil, 2 * time.Second, "1.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(reply(429, body429(tt.secs)), reply(200, fixture(t, "create_200.json")))
				c := newClient(t, rt, tt.opts...)
				ctx := context.Background()
				if tt.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				start := time.Now()
				_, err := c.Configurations.Create(ctx, validParams())
				assert.Zero(t, time.Since(start), "returns at once instead of sleeping")
				var rl *RateLimitError
				require.ErrorAs(t, err, &rl)
				assert.Equal(t, mustSeconds(tt.secs), rl.RetryAfter, "so the caller can schedule the retry")
				assert.NotEmpty(t, rl.IdempotencyKey)
				assert.Len(t, rt.requests(), 1)
			})
		})
	}
	t.Run("backoff longer than the deadline", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt := script(reply(500, nil), reply(200, fixture(t, "create_200.json")))
			c := newClient(t, rt)
			ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
			defer cancel()
			_, err := c.Configurations.Create(ctx, validParams())
			assert.ErrorIs(t, err, ErrServer)
			assert.Len(t, rt.requests(), 1)
		})
	})
}

func mustSeconds(s string) time.Duration {
	d, _ := time.ParseDuration(s + "s")
	return d
}

func TestRetryAfterHonouredOnEveryRetryableStatus(t *testing.T) {
	for _, status := range []int{429, 500, 502, 503, 504} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(reply(status, nil, "Retry-After", "3"), reply(200, fixture(t, "create_200.json")))
				c := newClient(t, rt)
				_, err := c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				assert.Equal(t, []time.Duration{3 * time.Second}, gaps(rt.requests()))
			})
		})
	}
	t.Run("503 asking longer than the max wait returns at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt := script(reply(503, nil, "Retry-After", "120"))
			c := newClient(t, rt)
			start := time.Now()
			_, err := c.Configurations.Create(context.Background(), validParams())
			assert.Zero(t, time.Since(start))
			var se *ServerError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, 2*time.Minute, se.RetryAfter)
			assert.Contains(t, err.Error(), "retry after 2m0s")
			assert.Len(t, rt.requests(), 1)
		})
	})
}

// TestEveryWaitIsJittered: the first wait depends on the jitter too, and a
// crowd failing together does not retry together.
func TestEveryWaitIsJittered(t *testing.T) {
	for _, tt := range []struct {
		jitter        float64
		first, second time.Duration
	}{{0, 500 * time.Millisecond, time.Second}, {0.5, 750 * time.Millisecond, 1500 * time.Millisecond}, {0.999, 999500 * time.Microsecond, 1999 * time.Millisecond}} {
		synctest.Test(t, func(t *testing.T) {
			rt := script(reply(500, nil), reply(500, nil), reply(200, fixture(t, "create_200.json")))
			c := newClient(t, rt, withJitter(tt.jitter))
			_, err := c.Configurations.Create(context.Background(), validParams())
			require.NoError(t, err)
			assert.Equal(t, []time.Duration{tt.first, tt.second}, gaps(rt.requests()), "jitter %v", tt.jitter)
		})
	}
	t.Run("Retry-After plus up to min/2", func(t *testing.T) {
		for _, j := range []float64{0, 0.5, 0.999} {
			synctest.Test(t, func(t *testing.T) {
				rt := script(reply(429, body429("2")), reply(200, fixture(t, "create_200.json")))
				// Unpaced: with pacing, the retry goes at the reset (pace_test.go).
				c := newClient(t, rt, withJitter(j), WithRateLimitPacing(false))
				_, err := c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				want := 2*time.Second + time.Duration(j*float64(DefaultRetryWaitMin/2))
				assert.Equal(t, []time.Duration{want}, gaps(rt.requests()))
			})
		}
	})
	t.Run("32 concurrent callers spread out", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var mu sync.Mutex
			first := map[string]time.Time{}
			waits := map[time.Duration]bool{}
			start := time.Now()
			rt := script(func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				defer mu.Unlock()
				key := r.Header.Get("Idempotency-Key")
				if _, seen := first[key]; !seen {
					first[key] = time.Now()
					return response(500, nil), nil
				}
				w := time.Since(start)
				assert.GreaterOrEqual(t, w, DefaultRetryWaitMin)
				assert.Less(t, w, 2*DefaultRetryWaitMin)
				waits[w] = true
				return response(200, fixture(t, "create_200.json")), nil
			})
			// The real random jitter, not the fixed test one.
			c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(testBaseURL), WithHTTPClient(&http.Client{Transport: rt}))
			require.NoError(t, err)
			var wg sync.WaitGroup
			for range 32 {
				wg.Go(func() {
					_, err := c.Configurations.Create(context.Background(), validParams())
					assert.NoError(t, err)
				})
			}
			wg.Wait()
			assert.Greater(t, len(waits), 16, "32 first retries at %d distinct times", len(waits))
		})
	})
}

// TestCreateWorstCaseUnderDefaults pins the promise of README and docs/reference.md: under the
// defaults and context.Background(), a Create takes at most 3 attempts of
// 30s plus 2 waits of 10s and their jitter (250ms each): 110.5s, plus a
// pacing hold of at most WithMaxRetryWait before the first attempt: 120.5s.
func TestCreateWorstCaseUnderDefaults(t *testing.T) {
	slow503 := func(r *http.Request) (*http.Response, error) {
		select {
		case <-time.After(DefaultTimeout - time.Millisecond):
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
		return response(503, nil, "Retry-After", "10"), nil
	}
	// A server that also says the window is spent for 20s, each time: the
	// pacer holds the first attempt up to WithMaxRetryWait, and a retry's
	// hold shares that bound with the backoff slept before it.
	spent := func(status int) func(*http.Request) (*http.Response, error) {
		return func(r *http.Request) (*http.Response, error) {
			var body []byte
			if status == 200 {
				body = fixture(t, "get_200.json")
			} else if _, err := slow503(r); err != nil {
				return nil, err
			}
			return response(status, body, "Retry-After", "10", "X-Ratelimit-Limit-Requests", "1",
				"X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "10s"), nil
		}
	}
	for name, tt := range map[string]struct {
		steps []func(*http.Request) (*http.Response, error)
		limit time.Duration
	}{
		"hang":                {[]func(*http.Request) (*http.Response, error){hang}, 110500 * time.Millisecond},
		"slow 503 asking 10s": {[]func(*http.Request) (*http.Response, error){slow503}, 110500 * time.Millisecond},
		"held, then slow 503s in a spent window": {[]func(*http.Request) (*http.Response, error){spent(200), spent(503)},
			DefaultMaxRetryWait + 110500*time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(tt.steps...)
				c := newClient(t, rt, withJitter(0.999))
				if len(tt.steps) > 1 {
					// The priming call leaves the view spent for 10s.
					_, err := c.Configurations.Get(context.Background(), "pconf_1")
					require.NoError(t, err)
				}
				primed := len(rt.requests())
				start := time.Now()
				_, err := c.Configurations.Create(context.Background(), validParams())
				require.Error(t, err)
				took := time.Since(start)
				t.Logf("%s: %v", name, took)
				assert.LessOrEqual(t, took, tt.limit)
				assert.Greater(t, took, 3*DefaultTimeout-time.Second)
				assert.Len(t, rt.requests(), primed+3)
			})
		})
	}
}

func TestNoAttemptWithADoneContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		past, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel2()
		for ctx, want := range map[context.Context]error{cancelled: context.Canceled, past: context.DeadlineExceeded} {
			rt := script(reply(200, fixture(t, "create_200.json")))
			c := newClient(t, rt)
			_, err := c.Configurations.Create(ctx, validParams())
			assert.ErrorIs(t, err, want)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Zero(t, re.Attempts)
			assert.Equal(t, "freddy: Create: request not sent: "+want.Error(), err.Error())
			assert.Empty(t, rt.requests())
		}
	})
}

// TestNoRetryIsSentPastTheDeadline: for any deadline and any jitter, every
// retry leaves at least MinAttemptTime before the deadline.
func TestNoRetryIsSentPastTheDeadline(t *testing.T) {
	for _, deadline := range []time.Duration{100 * time.Millisecond, 700 * time.Millisecond, 760 * time.Millisecond, time.Second, 1750 * time.Millisecond, 3 * time.Second, 5 * time.Second} {
		for _, j := range []float64{0, 0.3, 0.999} {
			synctest.Test(t, func(t *testing.T) {
				rt := script(reply(500, nil))
				c := newClient(t, rt, withJitter(j), WithMaxRetries(10))
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				defer cancel()
				start := time.Now()
				_, err := c.Configurations.Create(ctx, validParams())
				assert.ErrorIs(t, err, ErrServer, "the last response's error, not a deadline")
				for i, r := range rt.requests()[1:] {
					assert.LessOrEqual(t, r.at.Sub(start)+MinAttemptTime, deadline, "retry %d with deadline %v, jitter %v", i+1, deadline, j)
				}
			})
		}
	}
}

func TestRetryCancelDuringWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(429, body429("5")))
		c := newClient(t, rt, WithRetryBudget(10, 5))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.Configurations.Create(ctx, validParams())
		assert.Equal(t, 100*time.Millisecond, time.Since(start), "returns as soon as the context ends")
		assert.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, ErrRateLimited, "a cancelled call is not a rate-limit error")
		var rl *RateLimitError
		assert.False(t, errors.As(err, &rl), "errors.As does not find the earlier 429")
		var re *RequestError
		require.ErrorAs(t, err, &re)
		require.ErrorAs(t, re.LastAPIError, &rl, "the last API error is kept as a field")
		assert.Equal(t, 5*time.Second, rl.RetryAfter)
		assert.Equal(t, 1, re.Attempts)
		assert.Equal(t, rl.IdempotencyKey, re.IdempotencyKey)
		assert.Equal(t, "freddy: Create: request failed after 1 attempt (while waiting to retry): context canceled; last response: 429 RATE_LIMIT_EXCEEDED: Too many requests. (retry after 5s, trace_id req_rl)", err.Error())
		assert.Len(t, rt.requests(), 1)
		assert.Equal(t, 10, c.core.policy.Budget.Tokens(), "the abandoned retry's tokens are given back")
	})
}

func TestPrepareRetryRefusesADoneContext(t *testing.T) {
	c := newClient(t, script(reply(200, nil)), WithRetryBudget(10, 5))
	cl := c.core.calls.Get().(*call)
	defer c.core.release(cl)
	require.True(t, c.core.policy.Budget.Take())
	cl.attempts, cl.retries, cl.policy = 1, 1, c.core.policy
	cl.lastAPI = &ServerError{APIError: APIError{StatusCode: 503}}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, testEndpoint, nil)
	require.NoError(t, err)
	require.NoError(t, cl.prepareRetry(req), "a live context may retry")
	cancel()
	err = cl.prepareRetry(req)
	assert.ErrorIs(t, err, context.Canceled)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	assert.NotNil(t, re.LastAPIError)
	assert.Equal(t, 10, c.core.policy.Budget.Tokens(), "refunded")
}

func TestRetryTransportFailures(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		retry bool
	}{
		{"connection refused", syscall.ECONNREFUSED, true},
		{"connection reset", syscall.ECONNRESET, true},
		{"unexpected EOF", errors.New("EOF"), true},
		{"unknown certificate authority", x509.UnknownAuthorityError{}, false},
		{"hostname mismatch", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "api"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(fail(tt.err))
				c := newClient(t, rt)
				_, err := c.Configurations.Create(context.Background(), validParams())
				var re *RequestError
				require.ErrorAs(t, err, &re)
				assert.ErrorIs(t, err, tt.err, "the underlying error stays reachable")
				want := 1
				if tt.retry {
					want = 3
				}
				assert.Len(t, rt.requests(), want)
				assert.Equal(t, want, re.Attempts)
				assert.Nil(t, re.LastAPIError)
				assert.Regexp(t, `^freddy: Create: request failed after \d attempts?: Post "https://api.test.invalid/v1/personal-connectors/configurations": `, err.Error())
				requireNoSecret(t, err.Error())
			})
		})
	}
}

func TestRetryPerAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(hang, reply(200, fixture(t, "create_200.json")))
		c := newClient(t, rt, WithTimeout(2*time.Second))
		start := time.Now()
		got, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Equal(t, "pconf_abc123", got.ID)
		assert.Equal(t, []time.Duration{2*time.Second + 500*time.Millisecond}, gaps(rt.requests()))
		assert.Equal(t, 2500*time.Millisecond, time.Since(start))
	})
	synctest.Test(t, func(t *testing.T) {
		rt := script(hang)
		c := newClient(t, rt, WithTimeout(time.Second))
		_, err := c.Configurations.Create(context.Background(), validParams())
		var re *RequestError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 3, re.Attempts, "timeouts are retried")
		var timeout interface{ Timeout() bool }
		require.ErrorAs(t, err, &timeout)
		assert.True(t, timeout.Timeout(), "the cause is the per-attempt timeout")
	})
}

func TestRetryStopsWhenCallerContextEndsDuringAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(500, fixture(t, "error_500.json")), hang)
		c := newClient(t, rt)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.Configurations.Create(ctx, validParams())
		assert.Equal(t, 3*time.Second, time.Since(start))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, ErrServer)
		var re *RequestError
		require.ErrorAs(t, err, &re)
		var se *ServerError
		assert.ErrorAs(t, re.LastAPIError, &se, "the earlier API error is kept as a field")
		assert.Len(t, rt.requests(), 2, "the caller's deadline is not retried")
	})
}

func TestRetryBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ok := fixture(t, "create_200.json")
		down := true
		rt := script(func(*http.Request) (*http.Response, error) {
			if down {
				return response(500, nil), nil
			}
			return response(200, ok), nil
		})
		// 10 tokens at 5 a retry: two retries, then none.
		c := newClient(t, rt, WithRetryBudget(10, 5))
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.ErrorIs(t, err, ErrServer)
		assert.Len(t, rt.requests(), 3)
		_, err = c.Configurations.Create(context.Background(), validParams())
		require.ErrorIs(t, err, ErrServer)
		assert.Len(t, rt.requests(), 4, "an empty budget means no retry")
		assert.Equal(t, 0, c.core.policy.Budget.Tokens())

		down = false
		for range 5 {
			_, err = c.Configurations.Create(context.Background(), validParams())
			require.NoError(t, err)
		}
		assert.Equal(t, 5, c.core.policy.Budget.Tokens(), "each first-try success refunds one token")
		down = true
		_, err = c.Configurations.Create(context.Background(), validParams())
		require.ErrorIs(t, err, ErrServer)
		assert.Len(t, rt.requests(), 9+2, "one retry's worth refilled")
	})
}

func TestRetryBudgetDisabled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(500, nil))
		c := newClient(t, rt, WithRetryBudget(0, 0))
		for range 5 {
			_, err := c.Configurations.Create(context.Background(), validParams())
			require.ErrorIs(t, err, ErrServer)
		}
		assert.Len(t, rt.requests(), 15)
	})
}

func TestRetryLogging(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		rt := script(reply(429, body429("1")), reply(500, fixture(t, "error_500.json")), reply(200, fixture(t, "create_200.json"), "X-Request-Id", "req_ok"))
		// Unpaced, so that the 429's decision logs the wait it sleeps.
		c := newClient(t, rt, WithLogger(logger), WithRateLimitPacing(false))
		_, err := c.Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("idem-log"))
		require.NoError(t, err)
		out := buf.String()
		requireNoSecret(t, out)
		lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
		require.Len(t, lines, 5, "attempt+decision, attempt+decision, attempt:\n%s", out)
		assert.Contains(t, string(lines[0]), `"msg":"freddy: attempt","operation":"Create","attempt":1,"idempotency_key":"idem-log","method":"POST","path":"/v1/personal-connectors/configurations","status":429`)
		assert.Contains(t, string(lines[0]), `"trace_id":"req_rl"`)
		assert.Contains(t, string(lines[1]), `"msg":"freddy: retry decision","operation":"Create","attempt":1,"idempotency_key":"idem-log","retry":true,"wait":1000000000,"reason":"server asked (Retry-After)"`)
		assert.Contains(t, string(lines[2]), `"attempt":2`)
		assert.Contains(t, string(lines[2]), `"trace_id":"req_jkl012"`)
		assert.Contains(t, string(lines[3]), `"reason":"backoff"`)
		assert.Contains(t, string(lines[4]), `"operation":"Create","attempt":3,"idempotency_key":"idem-log","method":"POST","path":"/v1/personal-connectors/configurations","status":200,"trace_id":"req_ok"`)
	})
}

// TestContextEndingWhileAResponseArrives: a retryable response that arrives
// as the caller cancels ends in the caller's context error (the context, not
// the server, stopped the call); a final answer such as a 404 stands.
func TestContextEndingWhileAResponseArrives(t *testing.T) {
	for _, tt := range []struct {
		status int
		check  func(t *testing.T, err error)
	}{
		{500, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, context.Canceled)
			assert.NotErrorIs(t, err, ErrServer)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.ErrorIs(t, re.LastAPIError, ErrServer)
		}},
		{404, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrNotFound)
			assert.NotErrorIs(t, err, context.Canceled)
		}},
	} {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rt := script(func(*http.Request) (*http.Response, error) {
				cancel()
				return response(tt.status, nil), nil
			})
			_, err := newClient(t, rt).Configurations.Get(ctx, "pconf_1")
			tt.check(t, err)
			assert.Len(t, rt.requests(), 1)
		})
	}
}
