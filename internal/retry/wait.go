package retry

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxAsked bounds a server-requested wait so that absurd values (1e300
// seconds) cannot overflow a time.Duration; anything this long is refused by
// the max-wait check anyway.
const maxAsked = 365 * 24 * time.Hour

// Backoff returns the wait before retry number n (1 for the first retry):
// uniformly random in [c/2, c) where c = min(max, min·2ⁿ), and never below
// min. jitter is a value in [0, 1). Every retry is jittered, the first
// included, so that callers failing together do not retry together; only
// min == max gives a fixed wait.
func Backoff(min, max time.Duration, n int, jitter float64) time.Duration {
	if n < 1 {
		n = 1
	}
	ceiling := max
	if n < 62 && min <= max>>n {
		ceiling = min << n
	}
	wait := ceiling/2 + time.Duration(jitter*float64(ceiling-ceiling/2))
	return minMax(wait, min, max)
}

// Asked returns the wait before a retry the server asked for with
// Retry-After: the asked time plus up to half of min, so that callers told
// the same time do not all return at once, and never sooner than asked.
// jitter is a value in [0, 1).
func Asked(asked, min time.Duration, jitter float64) time.Duration {
	return asked + time.Duration(jitter*float64(min/2))
}

func minMax(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}

// Seconds converts a count of seconds from a JSON number into a Duration,
// rejecting negative, NaN and infinite values and bounding huge ones.
func Seconds(s float64) (time.Duration, bool) {
	if math.IsNaN(s) || s < 0 {
		return 0, false
	}
	if s >= maxAsked.Seconds() {
		return maxAsked, true
	}
	return time.Duration(math.Ceil(s * float64(time.Second))), true
}

// ParseRetryAfter reads a Retry-After header value: delay-seconds or an
// HTTP-date, measured from now. A date in the past means no wait.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	// ErrRange comes with ±Inf, which Seconds bounds or rejects.
	if n, err := strconv.ParseFloat(v, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		return Seconds(n)
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return min(d, maxAsked), true
}
