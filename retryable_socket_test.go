package freddy

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the retry layer over real loopback sockets; the synctest
// tests in retryable_test.go pin the exact waits.

// recorder is a test server that answers request n with answers[n] (the last
// repeats) and records every request.
type recorder struct {
	mu   sync.Mutex
	hits []recordedReq
	srv  *httptest.Server
}

func newRecorder(t *testing.T, answers ...func(w http.ResponseWriter)) *recorder {
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := record(r)
		rec.mu.Lock()
		n := len(rec.hits)
		rec.hits = append(rec.hits, got)
		rec.mu.Unlock()
		answers[min(n, len(answers)-1)](w)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (r *recorder) client(t *testing.T, opts ...Option) *Client {
	c, err := NewClient(append([]Option{WithAPIKey(testAPIKey), WithBaseURL(r.srv.URL)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func (r *recorder) all() []recordedReq {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recordedReq(nil), r.hits...)
}

func answer(status int, body []byte, header ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

var fastRetries = WithRetryWait(5*time.Millisecond, 10*time.Millisecond)

func TestSocketRetriesUntilSuccessWithOneKey(t *testing.T) {
	rec := newRecorder(t, answer(500, fixture(t, "error_500.json")), answer(502, []byte("<html>bad gateway</html>")),
		answer(200, fixture(t, "create_200.json")))
	c := rec.client(t, fastRetries)
	got, err := c.Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	assert.Equal(t, "pconf_abc123", got.ID)
	hits := rec.all()
	require.Len(t, hits, 3)
	for _, h := range hits {
		assert.Equal(t, hits[0].header.Get("Idempotency-Key"), h.header.Get("Idempotency-Key"), "same Idempotency-Key on every attempt")
		assert.Equal(t, hits[0].body, h.body, "identical body on every attempt")
	}
	_, err = c.Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	assert.NotEqual(t, hits[0].header.Get("Idempotency-Key"), rec.all()[3].header.Get("Idempotency-Key"), "a new key per call")
}

func TestSocketExhaustedRetriesReturnTypedError(t *testing.T) {
	rec := newRecorder(t, answer(503, fixture(t, "error_500.json")))
	c := rec.client(t, fastRetries)
	_, err := c.Configurations.Create(context.Background(), validParams())
	var se *ServerError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 503, se.StatusCode)
	assert.NotContains(t, err.Error(), "giving up")
	hits := rec.all()
	assert.Len(t, hits, 3)
	assert.Equal(t, hits[0].header.Get("Idempotency-Key"), se.IdempotencyKey, "the error carries the key that was sent")
}

func TestSocketWaitsAtLeastWhatTheServerAsked(t *testing.T) {
	rec := newRecorder(t, answer(429, body429("0.3")), answer(429, []byte(`{}`), "Retry-After", "1"),
		answer(200, fixture(t, "create_200.json")))
	c := rec.client(t, fastRetries)
	_, err := c.Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	hits := rec.all()
	require.Len(t, hits, 3)
	assert.GreaterOrEqual(t, hits[1].at.Sub(hits[0].at), 300*time.Millisecond)
	assert.GreaterOrEqual(t, hits[2].at.Sub(hits[1].at), time.Second)
}

func TestSocketCancelDuringWaitReturnsPromptly(t *testing.T) {
	rec := newRecorder(t, answer(500, fixture(t, "error_500.json")))
	// The test cancels on the SDK's own event, the retry decision that comes
	// just before its wait, not on the server having received the request:
	// that can happen before the SDK has read the 500.
	waiting := make(chan struct{})
	var once sync.Once
	logger := slog.New(onRecord(func(r slog.Record) {
		if r.Message == "freddy: retry decision" {
			once.Do(func() { close(waiting) })
		}
	}))
	const wait = 10 * time.Second
	c := rec.client(t, WithRetryWait(wait, wait), WithLogger(logger))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Configurations.Create(ctx, validParams())
		done <- err
	}()
	<-waiting
	cancelled := time.Now()
	cancel()
	err := <-done
	latency := time.Since(cancelled)
	// The bound only tells "returned on the cancel" from "slept the wait
	// out"; it is half the wait so that a loaded machine cannot trip it.
	assert.Less(t, latency, wait/2, "cancel latency %v", latency)
	t.Logf("cancel latency: %v", latency)
	assert.ErrorIs(t, err, context.Canceled)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	var se *ServerError
	assert.ErrorAs(t, re.LastAPIError, &se)
	assert.Len(t, rec.all(), 1)
}

func TestSocketRefusesWaitPastDeadline(t *testing.T) {
	rec := newRecorder(t, answer(429, body429("30")))
	c := rec.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Configurations.Create(ctx, validParams())
	assert.Less(t, time.Since(start), 2*time.Second, "returned without sleeping toward the deadline")
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, 30*time.Second, rl.RetryAfter)
	assert.Len(t, rec.all(), 1)
}

func TestSocketRetryBudgetUnderConcurrency(t *testing.T) {
	rec := newRecorder(t, answer(500, fixture(t, "error_500.json")))
	// 50 tokens at 5 a retry: ten retries in all, whatever the interleaving.
	c := rec.client(t, fastRetries, WithRetryBudget(50, 5))
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 100 {
		wg.Go(func() {
			_, err := c.Configurations.Create(context.Background(), validParams())
			if assert.ErrorIs(t, err, ErrServer) {
				failures.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(100), failures.Load())
	assert.Len(t, rec.all(), 110, "100 first attempts + 10 budgeted retries, not 300")
}
