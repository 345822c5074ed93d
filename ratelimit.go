package freddy

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimit is the request rate limit a response reported. The API documents
// two header families and the SDK reads both: X-RateLimit-Limit,
// X-RateLimit-Remaining and X-RateLimit-Reset, and
// x-ratelimit-limit-requests, x-ratelimit-remaining-requests and
// x-ratelimit-reset-requests. Where a response carries both, the first family
// wins field by field.
type RateLimit struct {
	// Limit is the requests allowed in the window; 0 when not reported.
	Limit int
	// Remaining is the requests left in the window; 0 when not reported
	// (check Limit to tell "none left" from "not reported").
	Remaining int
	// ResetAt is when the window resets; zero when not reported. The reset
	// header may hold seconds from now, Unix seconds (or milliseconds), an
	// RFC 3339 time or a Go duration such as "6m0s"; all are read.
	ResetAt time.Time
}

// parseRateLimit reads both documented header families. It is the one place
// that knows their names and formats.
func parseRateLimit(h http.Header, now time.Time) RateLimit {
	return RateLimit{
		Limit:     headerInt(h, "X-Ratelimit-Limit", "X-Ratelimit-Limit-Requests"),
		Remaining: headerInt(h, "X-Ratelimit-Remaining", "X-Ratelimit-Remaining-Requests"),
		ResetAt:   headerReset(h, now, "X-Ratelimit-Reset", "X-Ratelimit-Reset-Requests"),
	}
}

func headerInt(h http.Header, keys ...string) int {
	for _, k := range keys {
		if n, ok := parseCount(headerValue(h, k)); ok {
			return n
		}
	}
	return 0
}

func headerReset(h http.Header, now time.Time, keys ...string) time.Time {
	for _, k := range keys {
		if t, ok := parseReset(headerValue(h, k), now); ok {
			return t
		}
	}
	return time.Time{}
}

// headerValue reads a canonical key directly: the header maps of responses
// are canonical, and Get would canonicalize the key on every call.
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

func parseCount(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// Thresholds that tell a reset given as seconds from now from one given as a
// Unix time: 10^9 seconds is 2001, 10^12 milliseconds is 2001 too.
const (
	unixSecondsFrom = 1e9
	unixMillisFrom  = 1e12
)

// parseReset reads a reset time as seconds from now, Unix seconds or
// milliseconds, RFC 3339, or a Go duration ("6m0s", "20ms").
func parseReset(s string, now time.Time) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		switch {
		case f < 0 || f != f || f > 1e15:
			return time.Time{}, false
		case f >= unixMillisFrom:
			return time.UnixMilli(int64(f)).UTC(), true
		case f >= unixSecondsFrom:
			return time.Unix(int64(f), 0).UTC(), true
		}
		return now.Add(time.Duration(f * float64(time.Second))).UTC(), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(d).UTC(), true
	}
	return time.Time{}, false
}
