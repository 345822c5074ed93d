package freddy

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
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
		// retry 1: ceiling 500ms -> 375ms, raised to min 500ms; retry 2: ceiling 1s -> 750ms.
		assert.Equal(t, []time.Duration{500 * time.Millisecond, 750 * time.Millisecond}, gaps(reqs))
		assert.Equal(t, 1250*time.Millisecond, time.Since(start))
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
		ceilings := []time.Duration{100, 200, 400, 800, 1000, 1000}
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
				assert.Equal(t, "freddy: 500 INTERNAL_SERVER_ERROR: An unexpected error occurred. Please try again later. (trace_id req_jkl012)", err.Error())
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
		{"longer than default max wait", nil, 0, "61"},
		{"longer than WithMaxRetryWait", []Option{WithMaxRetryWait(5 * time.Second)}, 0, "6"},
		{"longer than the context deadline", nil, 10 * time.Second, "11"},
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

func TestRetryCancelDuringWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(429, body429("30")))
		c := newClient(t, rt)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.Configurations.Create(ctx, validParams())
		assert.Equal(t, 100*time.Millisecond, time.Since(start), "returns as soon as the context ends")
		assert.ErrorIs(t, err, context.Canceled)
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl, "the last API error stays reachable")
		assert.Equal(t, 30*time.Second, rl.RetryAfter)
		var re *RequestError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 1, re.Attempts)
		assert.Equal(t, rl.IdempotencyKey, re.IdempotencyKey)
		assert.Contains(t, err.Error(), "while waiting to retry")
		assert.Contains(t, err.Error(), "429 RATE_LIMIT_EXCEEDED")
		assert.Len(t, rt.requests(), 1)
	})
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
				assert.Regexp(t, `^freddy: request failed after \d attempts?: Post "https://api.test.invalid/v1/personal-connectors/configurations": `, err.Error())
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
		var se *ServerError
		assert.ErrorAs(t, err, &se, "the earlier API error stays reachable")
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
		c := newClient(t, rt, WithLogger(logger))
		_, err := c.Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("idem-log"))
		require.NoError(t, err)
		out := buf.String()
		requireNoSecret(t, out)
		lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
		require.Len(t, lines, 5, "attempt+decision, attempt+decision, attempt:\n%s", out)
		assert.Contains(t, string(lines[0]), `"msg":"freddy: attempt","attempt":1,"idempotency_key":"idem-log","status":429`)
		assert.Contains(t, string(lines[0]), `"trace_id":"req_rl"`)
		assert.Contains(t, string(lines[1]), `"msg":"freddy: retry decision","attempt":1,"idempotency_key":"idem-log","retry":true,"wait":1000000000,"reason":"server asked (Retry-After)"`)
		assert.Contains(t, string(lines[2]), `"attempt":2`)
		assert.Contains(t, string(lines[2]), `"trace_id":"req_jkl012"`)
		assert.Contains(t, string(lines[3]), `"reason":"backoff"`)
		assert.Contains(t, string(lines[4]), `"attempt":3,"idempotency_key":"idem-log","status":200,"trace_id":"req_ok"`)
	})
}
