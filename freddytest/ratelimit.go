package freddytest

import (
	"net/http"
	"strconv"
	"time"
)

// window is one API key's fixed rate-limit window.
type window struct {
	start time.Time
	count int
}

// rateState is what the rate-limit headers of one response report. A nil
// *rateState (FaultDropAfterCommit, which never reads the window) sets no
// headers.
type rateState struct {
	limit, used int
	now, reset  time.Time
}

// countRate counts a request of key in its window, starting a new window when
// the last one has ended, and returns the state after counting.
func (s *Server) countRate(key string, now time.Time) *rateState {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.windows[key]
	if w == nil || !now.Before(w.start.Add(s.cfg.window)) {
		w = &window{start: now}
		s.windows[key] = w
	}
	w.count++
	return &rateState{limit: s.cfg.rateLimit, used: w.count, now: now, reset: w.start.Add(s.cfg.window)}
}

// peekRate reports key's window without counting, for responses sent before
// or without authentication: faults and 401s. A key with no current window
// ("" included) has its whole limit left.
func (s *Server) peekRate(key string, now time.Time) *rateState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.windows[key]; key != "" && w != nil && now.Before(w.start.Add(s.cfg.window)) {
		return &rateState{limit: s.cfg.rateLimit, used: w.count, now: now, reset: w.start.Add(s.cfg.window)}
	}
	return &rateState{limit: s.cfg.rateLimit, now: now, reset: now.Add(s.cfg.window)}
}

func (st *rateState) over() bool { return st != nil && st.used > st.limit }

// left is the time until the window resets, rounded up to whole seconds so
// that a client waiting that long finds the new window.
func (st *rateState) left() time.Duration { return ceilSeconds(st.reset.Sub(st.now)) }

// resetAt is the reset time rounded up to a whole second, for the headers and
// fields that can only say whole seconds.
func (st *rateState) resetAt() time.Time {
	t := st.reset.Truncate(time.Second)
	if t.Before(st.reset) {
		t = t.Add(time.Second)
	}
	return t
}

// precise is the time until the window resets, rounded up to the
// millisecond, for the header that can say it: a client pacing itself
// should not wait up to a second longer than the window lasts.
func (st *rateState) precise() time.Duration {
	d := max(0, st.reset.Sub(st.now))
	return (d + time.Millisecond - 1) / time.Millisecond * time.Millisecond
}

// apply sets both documented header families: X-RateLimit-* from the
// rate-limiting guide (reset in whole Unix seconds, rounded up) and
// x-ratelimit-*-requests from the debugging guide (reset as a duration to
// the millisecond, e.g. "59.5s").
func (st *rateState) apply(h http.Header) {
	if st == nil {
		return
	}
	limit := strconv.Itoa(st.limit)
	remaining := strconv.Itoa(max(0, st.limit-st.used))
	left := st.precise()
	h.Set("X-RateLimit-Limit", limit)
	h.Set("X-RateLimit-Remaining", remaining)
	h.Set("X-RateLimit-Reset", strconv.FormatInt(st.resetAt().Unix(), 10))
	h.Set("X-Ratelimit-Limit-Requests", limit)
	h.Set("X-Ratelimit-Remaining-Requests", remaining)
	h.Set("X-Ratelimit-Reset-Requests", left.String())
}

// tooMany answers the documented 429 for st, with Retry-After in whole
// seconds.
func (st *rateState) tooMany(x *exchange) *reply {
	left := st.left()
	secs := int(left / time.Second)
	rep := x.envelope(http.StatusTooManyRequests, errRateLimit, map[string]any{
		"retry_after": secs, "limit": st.limit, "remaining": 0,
		"reset_at": formatTime(st.resetAt()),
	})
	rep.header.Set("Retry-After", strconv.Itoa(secs))
	return rep
}

// ceilSeconds rounds d up to whole seconds; negative becomes zero.
func ceilSeconds(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return (d + time.Second - 1) / time.Second * time.Second
}
