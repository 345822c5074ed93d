package freddy

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseRateLimitBothFamiliesEveryResetFormat(t *testing.T) {
	now := time.Date(2025, 11, 13, 10, 30, 0, 0, time.UTC)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	tests := []struct {
		name   string
		header http.Header
		want   RateLimit
	}{
		{"X-RateLimit family, Unix seconds", h("X-RateLimit-Limit", "100", "X-RateLimit-Remaining", "7", "X-RateLimit-Reset", "1763029860"),
			RateLimit{100, 7, time.Unix(1763029860, 0).UTC()}},
		{"-requests family, Go duration", h("x-ratelimit-limit-requests", "60", "x-ratelimit-remaining-requests", "59", "x-ratelimit-reset-requests", "6m0s"),
			RateLimit{60, 59, now.Add(6 * time.Minute)}},
		{"seconds from now", h("X-RateLimit-Limit", "5", "X-RateLimit-Reset", "30"), RateLimit{5, 0, now.Add(30 * time.Second)}},
		{"fractional seconds", h("X-RateLimit-Reset", "1.5"), RateLimit{0, 0, now.Add(1500 * time.Millisecond)}},
		{"Unix milliseconds", h("X-RateLimit-Reset", "1763029860123"), RateLimit{0, 0, time.UnixMilli(1763029860123).UTC()}},
		{"RFC 3339", h("x-ratelimit-reset-requests", "2025-11-13T10:31:00Z"), RateLimit{0, 0, now.Add(time.Minute)}},
		{"short duration", h("x-ratelimit-reset-requests", "20ms"), RateLimit{0, 0, now.Add(20 * time.Millisecond)}},
		{"first family wins field by field", h("X-RateLimit-Limit", "100", "x-ratelimit-limit-requests", "60", "x-ratelimit-remaining-requests", "3"),
			RateLimit{100, 3, time.Time{}}},
		{"garbage ignored", h("X-RateLimit-Limit", "lots", "X-RateLimit-Remaining", "-1", "X-RateLimit-Reset", "soon", "x-ratelimit-reset-requests", "-5s"),
			RateLimit{}},
		{"none", http.Header{}, RateLimit{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseRateLimit(tt.header, now)
			assert.Equal(t, tt.want.Limit, got.Limit)
			assert.Equal(t, tt.want.Remaining, got.Remaining)
			assert.True(t, tt.want.ResetAt.Equal(got.ResetAt), "reset %v, want %v", got.ResetAt, tt.want.ResetAt)
		})
	}
}

func TestRateLimitErrorReadsTheSecondHeaderFamily(t *testing.T) {
	body := []byte(`{"error":{"code":"rate_limit_exceeded","message":"slow down","type":"rate_limit_error"}}`)
	err := createWith(t, 429, body, "x-ratelimit-limit-requests", "60", "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "1m30s", "Retry-After", "90")
	var rl *RateLimitError
	assert.ErrorAs(t, err, &rl)
	assert.Equal(t, 60, rl.Limit)
	assert.Equal(t, 0, rl.Remaining)
	assert.WithinDuration(t, time.Now().Add(90*time.Second), rl.ResetAt, 5*time.Second)
	assert.Equal(t, 90*time.Second, rl.RetryAfter)
}
