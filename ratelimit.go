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

// Precision of a reset time, lowest first: a projected next window, whole
// Unix seconds (X-RateLimit-Reset, the body's reset_at), a wait the server
// asked for (Retry-After, the body's retry_after), and the
// x-ratelimit-reset-requests duration, which may carry fractions of a second.
const (
	precProjected = iota
	precUnix
	precAsked
	precDuration
)

// sighting is what one response says about the window, for the Client's
// view: the reset is the most precise on offer.
type sighting struct {
	limit, remaining int
	hasRemaining     bool
	reset            time.Time
	prec             int
	// hold is when the call that got a 429 may retry: its Retry-After. For
	// a 429 whose headers say the request window still has room (another
	// limit refused it) the view is left alone and only that call waits.
	hold time.Time
}

// sightingOf reads a response's header, and a 429's typed error when there is
// one (its RetryAfter, Limit, Remaining and ResetAt already merge the body's
// details with the headers). A 429 spends the window unless its headers say
// requests remain.
func sightingOf(h http.Header, rl *RateLimitError, now time.Time) sighting {
	s := sighting{limit: headerInt(h, "X-Ratelimit-Limit", "X-Ratelimit-Limit-Requests")}
	for _, k := range [...]string{"X-Ratelimit-Remaining", "X-Ratelimit-Remaining-Requests"} {
		if n, ok := parseCount(headerValue(h, k)); ok {
			s.remaining, s.hasRemaining = n, true
			break
		}
	}
	if t, ok := parseReset(headerValue(h, "X-Ratelimit-Reset-Requests"), now); ok {
		s.reset, s.prec = t, precDuration
	}
	if rl != nil && s.hasRemaining && s.remaining > 0 {
		if rl.RetryAfter > 0 {
			s.hold = now.Add(rl.RetryAfter)
		}
		s.reset = time.Time{}
		return s
	}
	if rl != nil {
		// A 429 from the request window: whatever the headers say, nothing
		// is left. Its own retry waits at least the Retry-After it gave,
		// even when the reset on offer is sooner; the view keeps the
		// precise reset for the other calls (see pacer).
		if rl.RetryAfter > 0 {
			s.hold = now.Add(rl.RetryAfter)
		}
		s.remaining, s.hasRemaining = 0, true
		if rl.Limit > 0 {
			s.limit = rl.Limit
		}
		switch {
		case s.prec == precDuration:
		case rl.RetryAfter > 0:
			s.reset, s.prec = now.Add(rl.RetryAfter), precAsked
		case !rl.ResetAt.IsZero():
			s.reset, s.prec = rl.ResetAt, precUnix
		}
	}
	if s.reset.IsZero() {
		if t, ok := parseReset(headerValue(h, "X-Ratelimit-Reset"), now); ok {
			s.reset, s.prec = t, precUnix
		}
	}
	return s
}
