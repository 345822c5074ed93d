package redisfreddy

import (
	"sync"
	"time"

	"github.com/aitronos/freddy-go"
)

// seen is a bucket's window as Redis last described it to this account
// (the scripts' reply after its first number), on the local clock. It lets
// Observe skip a round trip that could change nothing: within a window, most
// responses report more remaining than the fleet has left to book.
type seen struct {
	left      int
	reset     time.Time
	length    time.Duration
	limit     int
	projected bool
}

// seenOf reads a script's reply, arrived at at. ok is false when the reply
// holds no window (Redis knows none).
func seenOf(reply []int64, at time.Time) (s seen, ok bool) {
	if len(reply) < 6 {
		return seen{}, false
	}
	return seen{left: int(reply[1]), reset: at.Add(micros(reply[2])), length: micros(reply[3]),
		limit: int(reply[4]), projected: reply[5] == 1}, true
}

func micros(n int64) time.Duration { return time.Duration(n) * time.Microsecond }

// idle reports whether w, seen at now, would change nothing in the account
// (rules 2 and 3): a window Redis has from a response, not ended; the same
// limit; a reset in it, no earlier than the one Redis has (whose local
// estimate is late by the reply's trip, so the test errs towards asking)
// and no longer than its length; and at least as many remaining as the sends
// left, which only fall within a window.
func (s seen) idle(now time.Time, w freddy.RateLimitWindow) bool {
	if s.projected || !now.Before(s.reset) || w.Limit != s.limit || w.Remaining < s.left || w.Reset > s.length {
		return false
	}
	ro := now.Add(w.Reset)
	return !ro.Before(s.reset) && ro.Sub(s.reset) <= s.length/2
}

// seenSet is the last state seen per Redis key.
type seenSet struct {
	mu sync.Mutex
	m  map[string]seen
}

func (ss *seenSet) get(key string) (seen, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[key]
	return s, ok
}

// put records a reply's state, or forgets the key's when the reply holds
// none (a Redis restarted empty).
func (ss *seenSet) put(key string, reply []int64, at time.Time) {
	s, ok := seenOf(reply, at)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !ok {
		delete(ss.m, key)
		return
	}
	if ss.m == nil {
		ss.m = make(map[string]seen)
	}
	ss.m[key] = s
}
