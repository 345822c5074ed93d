package freddytest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	freddy "github.com/aitronos/freddy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// params is a valid SDK create.
func params() freddy.CreateConfigurationParams {
	return freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "My GitHub Account",
		Credentials:         freddy.BearerCredentials("ghp_test"),
	}
}

func sdkClient(t *testing.T, srv *Server, opts ...freddy.Option) *freddy.Client {
	t.Helper()
	client, err := srv.Client(opts...)
	require.NoError(t, err)
	return client
}

func TestFaultOrder(t *testing.T) {
	srv, c := start(t)
	srv.Inject(Fault{Kind: FaultServerError}, Fault{Kind: FaultBadGatewayHTML})
	srv.Inject(Fault{Kind: FaultRateLimit}, Fault{Kind: FaultKind(99)})
	var got []int
	for range 5 {
		got = append(got, c.do(http.MethodGet, basePath, "").status)
	}
	assert.Equal(t, []int{500, 502, 429, 500, 200}, got, "in order, one per request; an unknown kind is a 500")
	assert.Len(t, srv.Requests(), 5, "faulted requests are recorded")
}

func TestFaultBeforeAuthAndRouting(t *testing.T) {
	srv, c := start(t)
	srv.Inject(Repeat(Fault{Kind: FaultServerError}, 3)...)
	assert.Equal(t, 500, c.do(http.MethodPost, basePath, validBody, "X-API-Key", "wrong").status)
	assert.Equal(t, 500, c.do(http.MethodGet, "/nowhere", "").status)
	assert.Equal(t, 500, c.do(http.MethodPost, basePath, validBody).status)
	assert.Empty(t, srv.Configurations(), "a faulted create is not handled")
}

func TestFaultServerError(t *testing.T) {
	srv, c := start(t, WithClock(newFakeClock().Now))
	srv.Inject(Fault{Kind: FaultServerError})
	e := errorOf(t, c.do(http.MethodPost, basePath, validBody), http.StatusInternalServerError, "INTERNAL_SERVER_ERROR")
	assert.Equal(t, "server_error", e["type"])
	assert.Equal(t, "An unexpected error occurred. Please try again later.", e["message"])
	assert.Equal(t, "Database connection timeout", e["system_message"])
	assert.Equal(t, "2025-11-13T10:45:00Z", e["timestamp"])
	assert.NotContains(t, e, "details")
}

func TestFaultBadGatewayHTML(t *testing.T) {
	srv, c := start(t)
	srv.Inject(Fault{Kind: FaultBadGatewayHTML})
	r := c.do(http.MethodPost, basePath, validBody)
	require.Equal(t, http.StatusBadGateway, r.status)
	assert.Equal(t, "text/html", r.header.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(string(r.raw), "<html>"))
	assert.Contains(t, string(r.raw), "<title>502 Bad Gateway</title>")
	assert.Contains(t, string(r.raw), "nginx")
	assert.Nil(t, r.body)
	assertCommonHeaders(t, r)
}

func TestFaultRateLimit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       []Option
		retryAfter time.Duration
		limit      int
		secs       int
	}{
		{"no limit configured", nil, 1500 * time.Millisecond, DefaultRateLimit, 2},
		{"configured limit", []Option{WithRateLimit(7, time.Hour)}, 6 * time.Minute, 7, 360},
		{"zero", nil, 0, DefaultRateLimit, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := start(t, append(tc.opts, WithClock(newFakeClock().Now))...)
			srv.Inject(Fault{Kind: FaultRateLimit, RetryAfter: tc.retryAfter})
			r := c.do(http.MethodPost, basePath, validBody, "X-API-Key", "")
			e := errorOf(t, r, http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED")
			reset := t0.Add(time.Duration(tc.secs) * time.Second)
			assert.Equal(t, map[string]any{"retry_after": float64(tc.secs), "limit": float64(tc.limit), "remaining": float64(0),
				"reset_at": reset.Format(time.RFC3339)}, e["details"])
			assert.Equal(t, strconv.Itoa(tc.secs), r.header.Get("Retry-After"))
			assertRate(t, r, tc.limit, 0, reset, (time.Duration(tc.secs) * time.Second).String())
			assert.Empty(t, srv.Configurations())
		})
	}
}

func TestFaultDrop(t *testing.T) {
	srv := Start(t)
	c := freshCaller(t, srv)
	srv.Inject(Fault{Kind: FaultDrop})
	_, err := c.try(http.MethodPost, basePath, validBody)
	require.Error(t, err)
	assert.ErrorIs(t, err, io.EOF)
	assert.Empty(t, srv.Configurations())
	assert.Equal(t, http.StatusOK, c.do(http.MethodPost, basePath, validBody).status, "the next request is served")
}

func TestFaultDropWithoutHijacker(t *testing.T) {
	// HTTP/2 response writers cannot be hijacked: the stream is aborted.
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { drop(httptest.NewRecorder()) })
}

func TestFaultDropAfterCommit(t *testing.T) {
	srv := Start(t)
	srv.Inject(Fault{Kind: FaultDropAfterCommit})
	got, err := sdkClient(t, srv).Configurations.Create(context.Background(), params())
	require.NoError(t, err, "the SDK retries the lost response with the same key")
	stored := srv.Configurations()
	require.Len(t, stored, 1, "created once")
	assert.Equal(t, stored[0].ID, got.ID, "the retry got the replay of the first create")
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.NotEmpty(t, reqs[0].Header.Get("Idempotency-Key"))
	assert.Equal(t, reqs[0].Header.Get("Idempotency-Key"), reqs[1].Header.Get("Idempotency-Key"))
	assert.Equal(t, reqs[0].Body, reqs[1].Body)
}

func TestFaultDropAfterCommitRaw(t *testing.T) {
	srv := Start(t, WithRateLimit(6, time.Hour), WithClock(newFakeClock().Now))
	c := freshCaller(t, srv)
	id := c.create(validBody)["id"].(string)
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodDelete, basePath + "/" + id, ""},
		{http.MethodPost, basePath, validBody},
		{http.MethodPost, basePath, validBody + "x"},
		{http.MethodPost, basePath, validBody},
	} {
		srv.Inject(Fault{Kind: FaultDropAfterCommit})
		_, err := c.try(tc.method, tc.path, tc.body, "X-API-Key", srv.APIKey)
		require.ErrorIs(t, err, io.EOF)
	}
	assert.Equal(t, http.StatusNotFound, c.do(http.MethodGet, basePath+"/"+id, "").status, "the delete took effect")
	assert.Len(t, srv.Configurations(), 2, "two valid creates; the invalid one stored nothing")
	r := c.do(http.MethodGet, basePath, "")
	assert.Equal(t, http.StatusTooManyRequests, r.status, "dropped requests were counted: 1 + 4 + 1 before this one")
	assert.Len(t, srv.Requests(), 7, "no request was resent")

	// An unauthenticated one does nothing.
	srv.Reset()
	srv.Inject(Fault{Kind: FaultDropAfterCommit})
	_, err := c.try(http.MethodPost, basePath, validBody, "X-API-Key", "wrong")
	require.ErrorIs(t, err, io.EOF)
	assert.Empty(t, srv.Configurations())
}

func TestFaultTruncate(t *testing.T) {
	srv, c := start(t)
	srv.Inject(Fault{Kind: FaultTruncate})
	resp, err := c.hc.Post(srv.URL+basePath, "application/json", strings.NewReader(validBody))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int64(4*len(partialBody)), resp.ContentLength)
	assert.Regexp(t, `^req_[0-9a-f]{16}$`, resp.Header.Get("X-Request-Id"))
	body, err := io.ReadAll(resp.Body)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, partialBody, string(body))
}

func TestFaultStallBody(t *testing.T) {
	srv, c := start(t)

	// Bounded: the server gives up after Stall and closes the connection.
	srv.Inject(Fault{Kind: FaultStallBody, Stall: 20 * time.Millisecond})
	resp, err := c.hc.Post(srv.URL+basePath, "application/json", strings.NewReader(validBody))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int64(4096), resp.ContentLength)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, partialBody, string(body))

	// Unbounded: it waits until the client gives up.
	srv.Inject(Fault{Kind: FaultStallBody})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+basePath, strings.NewReader(validBody))
	resp, err = c.hc.Do(req)
	require.NoError(t, err)
	part := make([]byte, len(partialBody))
	_, err = io.ReadFull(resp.Body, part)
	require.NoError(t, err, "the first bytes arrive")
	cancel()
	_, err = io.ReadAll(resp.Body)
	assert.ErrorIs(t, err, context.Canceled)
	resp.Body.Close()
	waitHandlers(t, srv, 0)
}

func TestFaultStall(t *testing.T) {
	srv := Start(t)
	c := freshCaller(t, srv)

	srv.Inject(Fault{Kind: FaultStall, Stall: 20 * time.Millisecond})
	began := time.Now()
	_, err := c.hc.Post(srv.URL+basePath, "application/json", strings.NewReader(validBody))
	assert.ErrorIs(t, err, io.EOF, "no answer, then the connection is closed")
	assert.GreaterOrEqual(t, time.Since(began), 20*time.Millisecond)

	srv.Inject(Fault{Kind: FaultStall})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+basePath, nil)
		resp, err := c.hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	waitRequests(t, srv, 2)
	cancel()
	assert.ErrorIs(t, within(t, errc, 10*time.Second, "the client's own cancel"), context.Canceled)
	waitHandlers(t, srv, 0)
}

// TestFaultsThroughSDK runs every fault against the SDK, once, then lets the
// retry through: each must be something the client survives. The stalls are
// bounded so that no attempt waits for the client's timeout; that path is
// TestClientTimeoutDefault's.
func TestFaultsThroughSDK(t *testing.T) {
	for _, f := range []Fault{
		{Kind: FaultServerError},
		{Kind: FaultBadGatewayHTML},
		{Kind: FaultRateLimit},
		{Kind: FaultDrop},
		{Kind: FaultDropAfterCommit},
		{Kind: FaultStall, Stall: 10 * time.Millisecond},
		{Kind: FaultStallBody, Stall: 10 * time.Millisecond},
		{Kind: FaultTruncate},
		{Kind: FaultGatewayRateLimit},
	} {
		t.Run(f.Kind.String(), func(t *testing.T) {
			srv := Start(t)
			srv.Inject(f)
			got, err := sdkClient(t, srv).Configurations.Create(context.Background(), params())
			require.NoError(t, err)
			assert.Len(t, srv.Requests(), 2)
			stored := srv.Configurations()
			require.Len(t, stored, 1)
			assert.Equal(t, stored[0].ID, got.ID)
		})
	}
}

func TestFaultsExhaustRetries(t *testing.T) {
	srv := Start(t)
	srv.Inject(Repeat(Fault{Kind: FaultServerError}, 3)...)
	_, err := sdkClient(t, srv).Configurations.Create(context.Background(), params())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "INTERNAL_SERVER_ERROR")
	assert.Len(t, srv.Requests(), 3, "the SDK's default: three attempts")
	assert.Empty(t, srv.Configurations())
}

func TestRepeat(t *testing.T) {
	f := Fault{Kind: FaultRateLimit, RetryAfter: time.Second}
	assert.Equal(t, []Fault{f, f, f}, Repeat(f, 3))
	assert.Empty(t, Repeat(f, 0))
	assert.Empty(t, Repeat(f, -1))
}

func TestFaultKindString(t *testing.T) {
	assert.Equal(t, "FaultServerError", FaultServerError.String())
	assert.Equal(t, "FaultTruncate", FaultTruncate.String())
	assert.Equal(t, "FaultGatewayRateLimit", FaultGatewayRateLimit.String())
	assert.Equal(t, "FaultKind(42)", FaultKind(42).String())
	assert.Equal(t, "FaultKind(-1)", FaultKind(-1).String())
}

// waitHandlers blocks until at most n handlers are running.
func waitHandlers(t *testing.T, srv *Server, n int) {
	t.Helper()
	done := make(chan struct{})
	stop := false
	go func() {
		defer close(done)
		srv.liveMu.Lock()
		defer srv.liveMu.Unlock()
		for srv.handlers > n && !stop {
			srv.liveCond.Wait()
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		srv.liveMu.Lock()
		stop = true
		srv.liveCond.Broadcast()
		srv.liveMu.Unlock()
		<-done
		t.Fatalf("handlers still running")
	}
}

// A gateway's 429 is bare: Retry-After (rounded up; none for zero) and a
// text/html page, without the rate-limit headers or the error envelope,
// unlike the API's own 429.
func TestFaultGatewayRateLimitIsBare(t *testing.T) {
	srv, c := start(t)
	srv.Inject(Fault{Kind: FaultGatewayRateLimit, RetryAfter: 1799500 * time.Millisecond}, Fault{Kind: FaultGatewayRateLimit},
		Fault{Kind: FaultRateLimit, RetryAfter: time.Second})
	for i, want := range []string{"1800", ""} {
		r := c.do(http.MethodGet, basePath, "")
		assert.Equal(t, http.StatusTooManyRequests, r.status, i)
		assert.Equal(t, want, r.header.Get("Retry-After"), i)
		assert.Equal(t, "text/html", r.header.Get("Content-Type"), i)
		assert.Contains(t, string(r.raw), "429 Too Many Requests", i)
		for name := range r.header {
			assert.NotContains(t, strings.ToLower(name), "ratelimit", "%d: no window header", i)
		}
	}
	r := c.do(http.MethodGet, basePath, "")
	assert.Equal(t, "0", r.header.Get("X-RateLimit-Remaining"), "the API's own 429 says the window is spent")
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	assert.EqualError(t, Fault{Kind: FaultGatewayRateLimit, RetryAfter: -time.Second}.Validate(),
		"freddytest: Fault.RetryAfter: must not be negative", "validated like every fault")
}
