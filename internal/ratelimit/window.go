package ratelimit

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Precision of a reset time, lowest first (rule 5: the most precise wins).
type Precision int

// The precisions a reset may have.
const (
	// Projected is a window the model projected one length on (rule 6).
	Projected Precision = iota
	// WholeSeconds is a Unix reset in whole seconds (X-RateLimit-Reset, a
	// 429's details.reset_at).
	WholeSeconds
	// Asked is a 429's details.retry_after.
	Asked
	// Fine is a reset given as a duration with fractions of a second
	// (x-ratelimit-reset-requests).
	Fine
)

// Report is what one response said about its bucket's window.
type Report struct {
	// Limit is the window's request limit; 0 when not reported.
	Limit int
	// Remaining is the requests left when the response was made; valid
	// when HasRemaining.
	Remaining    int
	HasRemaining bool
	// Reset is when the window resets, with its precision; zero when not
	// reported.
	Reset time.Time
	Prec  Precision
	// Sent is when the request was sent (rule 2 compares it with other
	// endpoints' arrivals).
	Sent time.Time
}

// Horizon is the furthest reset believed (rule 4).
const Horizon = time.Hour

// Tolerances of rule 5: how far apart two resets of one window may be,
// by the coarser precision of the two.
const (
	wholeSecondsTolerance = time.Second
	fineTolerance         = 250 * time.Millisecond
)

// window is one bucket's current window. The fields under mu are exact only
// after reclaim; credit is the part of the room handed out in advance, so
// that a send while the window has room takes no lock (see acquireFast).
type window struct {
	// live is set once a report made the window: until then an attempt
	// costs this one load.
	live atomic.Bool
	// credit is sends that may go without the lock: already taken from
	// left and counted in own when it was granted.
	credit atomic.Int64

	mu     sync.Mutex
	limit  int
	left   int
	reset  time.Time
	prec   Precision
	length time.Duration
	// ended is the reset of the window that ended last, and its precision:
	// its late reports are stale (rule 5).
	ended     time.Time
	endedPrec Precision
	// next is the earliest time of the next spaced send (rule 7).
	next time.Time
	// own counts this Client's sends in the window, seen its reports with a
	// remaining count; share is its part of the requests counted (rule 9).
	own, seen int
	// base is the server's count at this Client's first report in the
	// window.
	base  int
	share float64
	// wake is closed when a waiting attempt should look again.
	wake chan struct{}
}

func newWindow() *window { return &window{share: 1} }

// tolerance is rule 5's bound for two resets of precisions a and b.
func (w *window) tolerance(a, b Precision) time.Duration {
	tol := fineTolerance
	if min(a, b) <= WholeSeconds {
		tol = wholeSecondsTolerance
	}
	if w.length > 0 {
		tol = min(tol, w.length/2)
	}
	return tol
}

func within(a, b time.Time, tol time.Duration) bool {
	d := a.Sub(b)
	return d <= tol && d >= -tol
}

// usable reports whether r is window information the model believes (rules
// 3 and 4).
func usable(r Report, now time.Time) bool {
	return !r.Reset.IsZero() && r.Reset.After(now) && r.Reset.Sub(now) <= Horizon && (r.HasRemaining || r.Limit > 0)
}

// observe merges one report (already judged usable) into the window.
func (w *window) observe(r Report, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reclaim()
	defer w.grant(now)
	if w.live.Load() {
		w.roll(now)
	}
	switch {
	case !w.ended.IsZero() && within(r.Reset, w.ended, w.tolerance(r.Prec, w.endedPrec)):
		// A late report of the window that ended: stale (rule 5).
	case !w.live.Load() || w.prec == Projected:
		w.open(r, now)
	case within(r.Reset, w.reset, w.tolerance(r.Prec, w.prec)):
		w.merge(r, now)
	case r.Reset.After(w.reset):
		// A later reset while the window is current: another window of
		// the server's (a gateway's, a second limit's); its count still
		// bounds the room, its reset does not move this one's.
		if r.HasRemaining && r.Remaining < w.left {
			w.left = r.Remaining
		}
	}
}

// open starts a window as r reported it. The sends made in a projected
// window are the reported window's.
func (w *window) open(r Report, now time.Time) {
	own := 0
	if w.live.Load() && w.prec == Projected {
		own = w.own
	}
	if r.Limit > 0 {
		w.limit = r.Limit
	}
	w.left = max(w.limit, 1)
	if r.HasRemaining {
		w.left = r.Remaining
	}
	w.reset, w.prec, w.length = r.Reset, r.Prec, r.Reset.Sub(now)
	w.next, w.own, w.seen = time.Time{}, own, 0
	w.count(r)
	w.live.Store(true)
	w.wakeAll()
}

// merge folds a report of the current window in (rule 5).
func (w *window) merge(r Report, now time.Time) {
	if r.Limit > 0 {
		w.limit = r.Limit
	}
	if r.HasRemaining && r.Remaining < w.left {
		w.left = r.Remaining
	}
	if r.Prec > w.prec || (r.Prec == w.prec && r.Reset.Before(w.reset)) {
		if r.Reset.Before(w.reset) {
			w.wakeAll()
		}
		w.reset, w.prec = r.Reset, r.Prec
	}
	w.length = max(w.length, w.reset.Sub(now))
	w.count(r)
}

// count updates this Client's share from a report of the window (rule 9):
// between its first report in the window and this one, the server counted
// counted-base requests, of which seen-1 were this Client's (its own
// answers arrive in order but for a few). A report of no remaining is left
// out: its count is clamped at the limit. Above 90% the Client is taken to
// be alone.
func (w *window) count(r Report) {
	if !r.HasRemaining || r.Remaining == 0 || w.limit <= 0 {
		return
	}
	counted := w.limit - min(r.Remaining, w.limit)
	w.seen++
	if w.seen == 1 {
		w.base = counted
		return
	}
	if counted <= w.base {
		return
	}
	w.share = min(1, float64(w.seen-1)/float64(counted-w.base))
	if w.share >= aloneShare {
		w.share = 1
	}
}

const aloneShare = 0.9

// quota is the sends this Client may make in the window (rule 9).
func (w *window) quota() int {
	if w.share >= 1 {
		return max(w.limit, w.left)
	}
	return max(1, int(w.share*float64(w.limit)))
}

// roll projects the next window when the current one has ended unreported
// (rule 6).
func (w *window) roll(now time.Time) {
	if now.Before(w.reset) {
		return
	}
	w.ended, w.endedPrec = w.reset, w.prec
	w.left, w.own, w.seen, w.next = max(w.limit, 1), 0, 0, time.Time{}
	w.reset, w.prec = w.reset.Add(w.length), Projected
	if !now.Before(w.reset) {
		w.reset = now.Add(w.length)
	}
}

// reclaim takes the credit not yet used back under the lock.
func (w *window) reclaim() {
	if c := w.credit.Swap(0); c > 0 {
		w.left += int(c)
		w.own -= int(c)
	}
}

// grant hands out the sends that may go without looking: those before the
// spaced half (rule 7) and within this Client's share (rule 9), in the
// current window only.
func (w *window) grant(now time.Time) {
	if !now.Before(w.reset) {
		return
	}
	g := min(w.left-w.limit/2, w.quota()-w.own)
	if g > 0 {
		w.left -= g
		w.own += g
		w.credit.Store(int64(g))
	}
}

// acquireFast takes one send from the credit; false means look under the
// lock.
func (w *window) acquireFast() bool {
	for {
		c := w.credit.Load()
		if c <= 0 {
			return false
		}
		if w.credit.CompareAndSwap(c, c-1) {
			return true
		}
	}
}

// turn decides one look under the lock: zero when the attempt may go now
// (and takes its send), else the time to look again.
func (w *window) turn(now time.Time) time.Time {
	w.reclaim()
	defer w.grant(now)
	w.roll(now)
	spaced := w.left*2 <= w.limit
	switch {
	case w.left > 0 && w.own < w.quota() && (!spaced || !now.Before(w.next)):
		if spaced && w.limit > 0 {
			w.next = now.Add(w.length / time.Duration(4*w.limit))
		}
		w.left--
		w.own++
		return time.Time{}
	case w.left > 0 && w.own < w.quota():
		// The next spaced slot: looked at again then rather than booked
		// now, for by then a response may say the window is spent.
		return w.next
	}
	return w.reset
}

// view is the window as a RateLimit would report it.
func (w *window) view() (limit, remaining int, reset time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.limit, max(0, w.left+int(w.credit.Load())), w.reset
}

// waitChan returns the channel closed when a waiter should look again.
func (w *window) waitChan() chan struct{} {
	if w.wake == nil {
		w.wake = make(chan struct{})
	}
	return w.wake
}

func (w *window) wakeAll() {
	if w.wake != nil {
		close(w.wake)
		w.wake = nil
	}
}

// acquire waits for this Client's turn in the window (rule 7) within lim
// (rule 8); start is when the attempt began waiting.
func (w *window) acquire(ctx context.Context, start time.Time, lim Limits) error {
	if !w.live.Load() || w.acquireFast() {
		return nil
	}
	w.mu.Lock()
	for {
		now := time.Now()
		until := w.turn(now)
		if until.IsZero() {
			w.mu.Unlock()
			return nil
		}
		if r := lim.refuse(ctx, start, now, until); r != nil {
			r.Limit, r.Remaining, r.Reset = w.limit, max(0, w.left), w.reset
			w.mu.Unlock()
			return r
		}
		wake := w.waitChan()
		w.mu.Unlock()
		err := sleep(ctx, until.Sub(now), wake)
		w.mu.Lock()
		if err != nil {
			w.mu.Unlock()
			return err
		}
	}
}
