package freddy

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aitronos/freddy-go/internal/ratelimit"
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
	if s == "" {
		// Absent, the common case: Atoi would allocate its error.
		return 0, false
	}
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
	if last := s[len(s)-1]; last == 's' || last == 'm' || last == 'h' {
		// A duration, the one form ending in a unit: tried first, because
		// the failed parses of the other forms would allocate their errors
		// on every response.
		if d, err := time.ParseDuration(s); err == nil && d >= 0 {
			return now.Add(d).UTC(), true
		}
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

// sighting is what one response says: its window, for the rate-limit model
// (internal/ratelimit), and, for a 429, when that call alone may retry.
type sighting struct {
	report ratelimit.Report
	// hold is when the call that got a 429 may retry: its Retry-After (the
	// header's or the body's, the longer), or the reset it rounds
	// (ratelimit.HoldOf). It holds that call alone.
	hold time.Time
}

// sightingOf reads a response's header, and a 429's typed error when there is
// one (its Limit, Remaining and ResetAt already merge the body's details with
// the headers). Only explicit window information makes the report: the
// rate-limit headers and the 429's details, never Retry-After (a gateway's
// bare 429 holds its own call and nothing else). A 429 with window
// information spends the window, unless its headers say requests remain
// (another limit refused it).
func sightingOf(h http.Header, rl *RateLimitError, now time.Time) sighting {
	r := ratelimit.Report{Limit: headerInt(h, "X-Ratelimit-Limit", "X-Ratelimit-Limit-Requests")}
	for _, k := range [...]string{"X-Ratelimit-Remaining", "X-Ratelimit-Remaining-Requests"} {
		if n, ok := parseCount(headerValue(h, k)); ok {
			r.Remaining, r.HasRemaining = n, true
			break
		}
	}
	if t, ok := parseReset(headerValue(h, "X-Ratelimit-Reset-Requests"), now); ok {
		r.Reset, r.Prec = t, ratelimit.Fine
	}
	var s sighting
	if rl != nil && (!r.HasRemaining || r.Remaining == 0) {
		r = windowOf429(r, rl, now)
	}
	if r.Reset.IsZero() {
		if t, ok := parseReset(headerValue(h, "X-Ratelimit-Reset"), now); ok {
			r.Reset, r.Prec = t, ratelimit.WholeSeconds
		}
	}
	s.report = r
	if rl != nil {
		s.hold = ratelimit.HoldOf(r, rl.RetryAfter, now)
	}
	return s
}

// windowOf429 completes the report of a 429 from the request window with its
// details: nothing is left, and the reset is the most precise on offer. A 429
// without any window information (no limit, remaining or reset, in the
// headers or the details) leaves r as it is: no window.
func windowOf429(r ratelimit.Report, rl *RateLimitError, now time.Time) ratelimit.Report {
	if r.Limit == 0 && !r.HasRemaining && r.Reset.IsZero() && rl.Limit == 0 && rl.ResetAt.IsZero() && rl.window == 0 {
		return r
	}
	r.Remaining, r.HasRemaining, r.Refused = 0, true, true
	if rl.Limit > 0 {
		r.Limit = rl.Limit
	}
	switch {
	case r.Prec == ratelimit.Fine:
	case rl.window > 0:
		r.Reset, r.Prec = now.Add(rl.window), ratelimit.Asked
	case !rl.ResetAt.IsZero():
		r.Reset, r.Prec = rl.ResetAt, ratelimit.WholeSeconds
	}
	return r
}
