package freddytest

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertRate checks both header families.
func assertRate(t *testing.T, r result, limit, remaining int, reset time.Time, left string) {
	t.Helper()
	h := r.header
	assert.Equal(t, strconv.Itoa(limit), h.Get("X-RateLimit-Limit"))
	assert.Equal(t, strconv.Itoa(remaining), h.Get("X-RateLimit-Remaining"))
	assert.Equal(t, strconv.FormatInt(reset.Unix(), 10), h.Get("X-RateLimit-Reset"))
	assert.Equal(t, strconv.Itoa(limit), h.Get("x-ratelimit-limit-requests"))
	assert.Equal(t, strconv.Itoa(remaining), h.Get("x-ratelimit-remaining-requests"))
	assert.Equal(t, left, h.Get("x-ratelimit-reset-requests"))
}

func TestRateLimitWindow(t *testing.T) {
	clock := newFakeClock()
	_, c := start(t, WithClock(clock.Now), WithRateLimit(2, time.Minute))
	reset := t0.Add(time.Minute)

	r := c.do(http.MethodPost, basePath, validBody)
	require.Equal(t, http.StatusOK, r.status)
	assertRate(t, r, 2, 1, reset, "1m0s")
	clock.Advance(time.Second)
	r = c.do(http.MethodGet, basePath, "")
	require.Equal(t, http.StatusOK, r.status)
	assertRate(t, r, 2, 0, reset, "59s")

	clock.Advance(14*time.Second + 500*time.Millisecond)
	r = c.do(http.MethodPost, basePath, validBody)
	e := errorOf(t, r, http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED")
	assert.Equal(t, "rate_limit_error", e["type"])
	assert.Equal(t, "Too many requests. Please try again later.", e["message"])
	assert.Equal(t, "Rate limit exceeded for endpoint", e["system_message"])
	assert.Equal(t, map[string]any{"retry_after": float64(45), "limit": float64(2), "remaining": float64(0), "reset_at": "2025-11-13T10:46:00Z"},
		e["details"], "44.5 s left, rounded up")
	assert.Equal(t, "45", r.header.Get("Retry-After"))
	assertRate(t, r, 2, 0, reset, "44.5s")

	clock.Advance(44 * time.Second)
	r = c.do(http.MethodGet, basePath, "")
	require.Equal(t, http.StatusTooManyRequests, r.status, "half a second of the window left")
	assert.Equal(t, "1", r.header.Get("Retry-After"))

	clock.Advance(500 * time.Millisecond)
	r = c.do(http.MethodGet, basePath, "")
	require.Equal(t, http.StatusOK, r.status, "a new window at the reset time")
	assertRate(t, r, 2, 1, reset.Add(time.Minute), "1m0s")
	assert.Empty(t, r.header.Get("Retry-After"))
}

func TestRateLimitPerKey(t *testing.T) {
	clock := newFakeClock()
	_, c := start(t, WithClock(clock.Now), WithRateLimit(1, 10*time.Minute), WithAPIKeys("fk_a", "fk_b"))
	assert.Equal(t, http.StatusOK, c.do(http.MethodGet, basePath, "", "X-API-Key", "fk_a").status)
	assert.Equal(t, http.StatusTooManyRequests, c.do(http.MethodGet, basePath, "", "X-API-Key", "fk_a").status)
	assert.Equal(t, http.StatusTooManyRequests, c.do(http.MethodGet, basePath, "", "X-API-Key", "", "Authorization", "Bearer fk_a").status,
		"the key counts, not the header it came in")
	clock.Advance(time.Minute)
	r := c.do(http.MethodGet, basePath, "", "X-API-Key", "fk_b")
	require.Equal(t, http.StatusOK, r.status, "another key, another window")
	assertRate(t, r, 1, 0, t0.Add(11*time.Minute), "10m0s")
	r = c.do(http.MethodGet, basePath, "", "X-API-Key", "fk_a")
	assertRate(t, r, 1, 0, t0.Add(10*time.Minute), "9m0s")
	assert.Equal(t, "540", r.header.Get("Retry-After"))
}

func TestRateLimitHeadersOnEveryResponse(t *testing.T) {
	clock := newFakeClock()
	srv, c := start(t, WithClock(clock.Now), WithRateLimit(10, time.Minute))
	reset := t0.Add(time.Minute)

	// Counted: every authenticated request, whatever it answers.
	for i, tc := range []struct {
		method, path, body string
		status             int
	}{
		{http.MethodPost, basePath, `{}`, http.StatusBadRequest},
		{http.MethodGet, basePath + "/pconf_none", "", http.StatusNotFound},
		{http.MethodGet, "/v1/nowhere", "", http.StatusNotFound},
		{http.MethodPut, basePath, "", http.StatusMethodNotAllowed},
		{http.MethodPost, basePath, validBody, http.StatusOK},
	} {
		r := c.do(tc.method, tc.path, tc.body)
		require.Equal(t, tc.status, r.status)
		assertRate(t, r, 10, 9-i, reset, "1m0s")
	}

	// Not counted: a 401, and faults, served before authentication.
	r := c.do(http.MethodGet, basePath, "", "X-API-Key", "wrong")
	require.Equal(t, http.StatusUnauthorized, r.status)
	assertRate(t, r, 10, 10, reset, "1m0s")
	srv.Inject(Fault{Kind: FaultServerError}, Fault{Kind: FaultBadGatewayHTML}, Fault{Kind: FaultServerError})
	r = c.do(http.MethodGet, basePath, "")
	require.Equal(t, http.StatusInternalServerError, r.status)
	assertRate(t, r, 10, 5, reset, "1m0s")
	r = c.do(http.MethodGet, basePath, "")
	require.Equal(t, http.StatusBadGateway, r.status)
	assertRate(t, r, 10, 5, reset, "1m0s")
	r = c.do(http.MethodGet, basePath, "", "X-API-Key", "wrong")
	require.Equal(t, http.StatusInternalServerError, r.status, "a fault, even without a key")
	assertRate(t, r, 10, 10, reset, "1m0s")
	assert.Equal(t, "4", c.do(http.MethodGet, basePath, "").header.Get("X-RateLimit-Remaining"), "the next counted request")
}

// TestDefaultRateLimitHeaders: without WithRateLimit (or with 0) the limit
// is DefaultRateLimit, and every response still carries both families, as a
// faithful fake must.
func TestDefaultRateLimitHeaders(t *testing.T) {
	for _, opts := range [][]Option{nil, {WithRateLimit(0, time.Second)}} {
		srv, c := start(t, opts...)
		srv.Inject(Fault{Kind: FaultServerError})
		for _, r := range []result{
			c.do(http.MethodGet, basePath, ""),
			c.do(http.MethodPost, basePath, validBody),
			c.do(http.MethodGet, basePath, "", "X-API-Key", "wrong"),
		} {
			assert.Equal(t, strconv.Itoa(DefaultRateLimit), r.header.Get("X-RateLimit-Limit"))
			assert.Equal(t, strconv.Itoa(DefaultRateLimit), r.header.Get("x-ratelimit-limit-requests"))
			for _, h := range []string{"X-RateLimit-Remaining", "X-RateLimit-Reset", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"} {
				assert.NotEmpty(t, r.header.Get(h), h)
			}
			assert.Empty(t, r.header.Get("Retry-After"))
		}
	}
}

func TestRateLimitRealClock(t *testing.T) {
	// With time.Now, X-RateLimit-Reset and Retry-After say whole seconds
	// rounded up, so the reset they announce is never before the window's
	// real end; x-ratelimit-reset-requests says the same to the millisecond.
	_, c := start(t, WithRateLimit(1, time.Minute))
	before := time.Now()
	c.do(http.MethodGet, basePath, "")
	r := c.do(http.MethodGet, basePath, "")
	require.Equal(t, http.StatusTooManyRequests, r.status)
	reset, err := strconv.ParseInt(r.header.Get("X-RateLimit-Reset"), 10, 64)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, reset, before.Add(time.Minute).Unix())
	left, err := time.ParseDuration(r.header.Get("x-ratelimit-reset-requests"))
	require.NoError(t, err)
	assert.Equal(t, time.Duration(0), left%time.Millisecond)
	assert.Equal(t, strconv.Itoa(int(ceilSeconds(left)/time.Second)), r.header.Get("Retry-After"))
}
