package retry

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBackoff(t *testing.T) {
	const min, max = 500 * time.Millisecond, 8 * time.Second
	tests := []struct {
		n      int
		jitter float64
		want   time.Duration
	}{
		// c = min(max, min·2ⁿ); the wait is c/2 + jitter·c/2, never below min.
		{1, 0, 500 * time.Millisecond}, {1, 0.5, 750 * time.Millisecond}, {1, 0.99, 995 * time.Millisecond},
		{2, 0, time.Second}, {2, 0.5, 1500 * time.Millisecond},
		{3, 0, 2 * time.Second}, {4, 0.5, 6 * time.Second},
		{5, 0, 4 * time.Second}, {5, 0.5, 6 * time.Second},
		{100, 0.5, 6 * time.Second}, {0, 0, min},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n, "/", tt.jitter), func(t *testing.T) {
			assert.Equal(t, tt.want, Backoff(min, max, tt.n, tt.jitter))
		})
	}
}

// TestBackoffProperties: for any bounds, retry number and jitter, the wait
// lies in [c/2, c) ∩ [min, max], and the first wait depends on the jitter.
func TestBackoffProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		min := time.Duration(1 + r.Int64N(int64(time.Second)))
		max := min + time.Duration(r.Int64N(int64(time.Minute)))
		n := 1 + r.IntN(70)
		j := r.Float64()
		w := Backoff(min, max, n, j)
		require.GreaterOrEqual(t, w, min)
		require.LessOrEqual(t, w, max)
		c := max
		if n < 62 && min <= max>>n {
			c = min << n
		}
		require.GreaterOrEqual(t, w, c/2, "min %v max %v n %d j %v", min, max, n, j)
		require.LessOrEqual(t, w, c)
	}
	assert.NotEqual(t, Backoff(time.Second, time.Minute, 1, 0), Backoff(time.Second, time.Minute, 1, 0.5), "the first wait is jittered")
	assert.Equal(t, time.Second, Backoff(time.Second, time.Second, 1, 0.7), "min == max is a fixed wait")
}

func TestAsked(t *testing.T) {
	const min, limit = 500 * time.Millisecond, 10 * time.Second
	assert.Equal(t, 2*time.Second, Asked(2*time.Second, min, 0))
	assert.Equal(t, 2*time.Second+125*time.Millisecond, Asked(2*time.Second, min, 0.5))
	r := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		asked := time.Duration(r.Int64N(int64(limit)))
		j := r.Float64()
		w := Asked(asked, min, j)
		require.GreaterOrEqual(t, w, asked, "never sooner than asked")
		require.Less(t, w, asked+min/2+1)
	}
}

// TestWaitsAtTheMaxAreJitteredToo: a Retry-After equal to the max wait, and
// a backoff capped by it, still spread over a range.
func TestWaitsAtTheMaxAreJitteredToo(t *testing.T) {
	waits := map[time.Duration]bool{}
	r := rand.New(rand.NewPCG(9, 9))
	p := &Policy{MaxRetries: 10, WaitMin: 500 * time.Millisecond, WaitMax: time.Minute, MaxWait: 10 * time.Second, Jitter: r.Float64}
	for range 50 {
		d := p.Decide(context.Background(), Outcome{Attempt: 1, Status: 503, Asked: 10 * time.Second})
		require.True(t, d.Retry)
		require.GreaterOrEqual(t, d.Wait, 10*time.Second)
		require.Less(t, d.Wait, 10*time.Second+250*time.Millisecond)
		waits[d.Wait] = true
		d = p.Decide(context.Background(), Outcome{Attempt: 6, Status: 503})
		require.True(t, d.Retry)
		require.GreaterOrEqual(t, d.Wait, 5*time.Second, "c = 10s capped before the jitter: [5s, 10s)")
		require.Less(t, d.Wait, 10*time.Second)
		waits[d.Wait] = true
	}
	assert.Greater(t, len(waits), 90)
}

func TestSecondsAndParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 11, 13, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"60", time.Minute, true},
		{" 2 ", 2 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"NaN", 0, false},
		{"1e400", maxAsked, true},
		{"Thu, 13 Nov 2025 10:31:00 GMT", time.Minute, true},
		{"Thu, 13 Nov 2025 10:29:00 GMT", 0, true},
		{"tomorrow", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		d, ok := ParseRetryAfter(tt.in, now)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, d, tt.in)
	}
}

func TestRetryableClassification(t *testing.T) {
	for code, want := range map[int]bool{429: true, 500: true, 502: true, 503: true, 504: true, 501: false, 505: false, 400: false, 404: false, 200: false} {
		assert.Equal(t, want, RetryableStatus(code), code)
	}
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{errors.New("connection refused"), true},
		{fmt.Errorf("wrapped: %w", &Permanent{Err: errors.New("too big")}), false},
		{x509.UnknownAuthorityError{}, false},
		{x509.CertificateInvalidError{}, false},
		{errors.New(`Post "x": stopped after 10 redirects`), false},
		{errors.New(`unsupported protocol scheme "ftp"`), false},
		{nil, false},
	} {
		assert.Equal(t, tt.want, RetryableTransport(tt.err), "%v", tt.err)
	}
}

func TestBudget(t *testing.T) {
	b := NewBudget(12, 5)
	assert.True(t, b.Take())
	assert.True(t, b.Take())
	assert.False(t, b.Take(), "2 tokens left, a retry costs 5")
	assert.Equal(t, 2, b.Tokens())
	b.Success(0)
	assert.Equal(t, 3, b.Tokens())
	b.Success(2)
	assert.Equal(t, 12, b.Tokens(), "refunds stop at capacity")

	b.Take()
	assert.Equal(t, 7, b.Tokens())
	b.Refund()
	assert.Equal(t, 12, b.Tokens(), "a refund gives one retry's cost back, up to capacity")

	var unlimited *Budget
	unlimited.Refund()
	assert.Nil(t, NewBudget(0, 5))
	assert.True(t, unlimited.Take())
	unlimited.Success(3)
	assert.Equal(t, -1, unlimited.Tokens())

	// Concurrent takes never overdraw.
	b = NewBudget(100, 5)
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for range 200 {
		wg.Go(func() {
			if b.Take() {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 20, granted)
}

func TestDecide(t *testing.T) {
	p := &Policy{MaxRetries: 2, WaitMin: 500 * time.Millisecond, WaitMax: 8 * time.Second, MaxWait: time.Minute, MinAttempt: 250 * time.Millisecond, Jitter: func() float64 { return 0 }}
	bg := context.Background()
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		o      Outcome
		retry  bool
		wait   time.Duration
		reason string
	}{
		{"500 first attempt", bg, Outcome{Attempt: 1, Status: 500}, true, 500 * time.Millisecond, "backoff"},
		{"asked wait", bg, Outcome{Attempt: 1, Status: 429, Asked: 3 * time.Second}, true, 3 * time.Second, "server asked"},
		{"exhausted", bg, Outcome{Attempt: 3, Status: 500}, false, 0, "retries exhausted after 3 attempts"},
		{"not retryable status", bg, Outcome{Attempt: 1, Status: 400}, false, 0, "status 400 is not retryable"},
		{"not retryable error", bg, Outcome{Attempt: 1, Err: x509.UnknownAuthorityError{}}, false, 0, "not retryable"},
		{"transport error", bg, Outcome{Attempt: 2, Err: errors.New("reset")}, true, time.Second, "backoff"},
		{"caller context done", cancelled, Outcome{Attempt: 1, Status: 500}, false, 0, "context done"},
		{"a final answer stands when the context is done", cancelled, Outcome{Attempt: 1, Status: 404}, false, 0, "status 404 is not retryable"},
		{"over max wait", bg, Outcome{Attempt: 1, Status: 429, Asked: 2 * time.Minute}, false, 2 * time.Minute, "exceeds the max retry wait"},
		{"503 asking", bg, Outcome{Attempt: 1, Status: 503, Asked: 3 * time.Second}, true, 3 * time.Second, "server asked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(tt.ctx, tt.o)
			assert.Equal(t, tt.retry, d.Retry)
			assert.Equal(t, tt.wait, d.Wait)
			assert.Contains(t, d.Reason, tt.reason)
		})
	}
}

func TestDecideDeadlineAndBudgetOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget(5, 5)
		p := &Policy{MaxRetries: 5, WaitMin: time.Second, WaitMax: time.Second, MaxWait: time.Minute, MinAttempt: 250 * time.Millisecond, Budget: b, Jitter: func() float64 { return 0 }}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		d := p.Decide(ctx, Outcome{Attempt: 1, Status: 429, Asked: 3 * time.Second})
		require.False(t, d.Retry)
		assert.Contains(t, d.Reason, "before the context deadline")
		assert.Equal(t, 5, b.Tokens(), "a refused retry spends no tokens")
		d = p.Decide(ctx, Outcome{Attempt: 1, Status: 429, Asked: 1800 * time.Millisecond})
		require.False(t, d.Retry, "1.8s + 250ms minimum attempt time does not fit in 2s")
		d = p.Decide(ctx, Outcome{Attempt: 1, Status: 429, Asked: 1750 * time.Millisecond})
		require.True(t, d.Retry, "1.75s + 250ms fits exactly")
		b.Refund()
		d = p.Decide(ctx, Outcome{Attempt: 1, Status: 503})
		require.True(t, d.Retry, d.Reason)
		d = p.Decide(ctx, Outcome{Attempt: 2, Status: http.StatusServiceUnavailable})
		require.False(t, d.Retry)
		assert.Equal(t, "retry budget exhausted", d.Reason)
	})
}

// TestDecidePaced: with Paced, a 429 that asked for a wait is retried with no
// wait of its own (the caller's pacer holds it until the reset) and no
// jitter; the asked wait still decides whether it fits the max wait and the
// deadline. Other statuses keep their waits.
func TestDecidePaced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &Policy{MaxRetries: 5, WaitMin: time.Second, WaitMax: time.Second, MaxWait: 10 * time.Second,
			MinAttempt: 250 * time.Millisecond, Paced: true, Jitter: func() float64 { return 0.999 }}
		d := p.Decide(context.Background(), Outcome{Attempt: 1, Status: 429, Asked: 2 * time.Second})
		require.True(t, d.Retry)
		assert.Zero(t, d.Wait)
		assert.Equal(t, 2*time.Second, d.Held, "observers still see the wait the retry is held for")
		assert.Contains(t, d.Reason, "held by the pacer until the reset")
		d = p.Decide(context.Background(), Outcome{Attempt: 1, Status: 429, Asked: time.Minute})
		assert.False(t, d.Retry, "longer than the max wait")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		d = p.Decide(ctx, Outcome{Attempt: 1, Status: 429, Asked: 1800 * time.Millisecond})
		assert.False(t, d.Retry, "1.8s + 250ms does not fit in 2s")
		d = p.Decide(ctx, Outcome{Attempt: 1, Status: 429, Asked: 1750 * time.Millisecond})
		assert.True(t, d.Retry, "1.75s + 250ms fits exactly: no jitter is added")
		d = p.Decide(context.Background(), Outcome{Attempt: 1, Status: 503, Asked: 2 * time.Second})
		assert.Equal(t, 2*time.Second+time.Duration(0.999*float64(time.Second/2)), d.Wait, "a 503's Retry-After keeps its jitter")
		d = p.Decide(context.Background(), Outcome{Attempt: 1, Status: 429})
		assert.Positive(t, d.Wait, "a 429 without Retry-After backs off as before")
	})
}
