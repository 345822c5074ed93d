package ratelimit

import (
	"context"
	"errors"
	"math"
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
	// Refused is set for a 429 from this window.
	Refused bool
	// Arrived is when the response arrived; zero is the time it is
	// observed.
	Arrived time.Time
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
	// unseen counts the sends made before the first report.
	unseen atomic.Int64
	// credit is sends that may go without the lock: already taken from
	// left and counted in own when it was granted.
	credit atomic.Int64
	// gen numbers the windows (changed only under mu, when a window opens
	// or rolls), so that a send given back (Refund) returns to the window
	// it was taken from and to no later one.
	gen atomic.Uint64

	mu    sync.Mutex
	limit int
	left  int
	// start is when the window began, as far as the Client can tell.
	start  time.Time
	reset  time.Time
	prec   Precision
	length time.Duration
	// prevLength is the window before's length: a projection takes the
	// longer of the two, so that a window first reported late does not
	// project a short one.
	prevLength time.Duration
	// ended is the reset of the window that ended last, and its precision:
	// its late reports are stale (rule 5).
	ended     time.Time
	endedPrec Precision
	// own counts this Client's sends in the window, seen its reports with a
	// remaining count; share is its part of the requests counted (rule 9).
	own, seen int
	// bare counts the window's answers that said nothing of it (rule 3):
	// a send less in flight all the same.
	bare int
	// What the window's reports said, for the share (see note); first and
	// low are the remaining counts of its first answer and its lowest.
	remaining, refused, before int
	top, low                   int
	spent, bound, others       bool
	// whole is false for a window whose answers were not all counted
	// here (the first of an endpoint's after the split); first is set for
	// a window this Client did not see begin, whose count before its first
	// answer is taken to be others' from before it came.
	whole, first bool
	share        float64
	// company is set when this Client came to a window others had spent,
	// which measured no share: until it is seen alone, it keeps one send
	// in flight until its answers give its part (rule 7).
	company bool
	// carry is the fraction of a send the share left over in the windows
	// before (see quota).
	carry float64
	// wake is closed when a waiting attempt should look again.
	wake chan struct{}
	// retired is set when the window was split (see retire); afterSplit
	// on the windows that replaced it, whose first window's earlier sends
	// went through the one retired.
	retired, afterSplit bool
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

// arrivedAt is when r arrived: its Arrived, or now.
func arrivedAt(r Report, now time.Time) time.Time {
	if r.Arrived.IsZero() {
		return now
	}
	return r.Arrived
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
	case r.Reset.Before(w.reset):
		// The server says this window resets sooner than the one held,
		// which an odd report (a reset far away, under the horizon) made:
		// the server's word wins, and the odd window's length is
		// forgotten, so that it projects nothing (rules 5 and 6).
		w.length = 0
		w.open(r, now)
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
	// The sends made before the first report, less the one reported, may
	// still be on their way: the room they will take is not in r.
	own, inFlight := int(w.unseen.Swap(0)), 0
	if own > 0 {
		inFlight = own - 1
		if r.Limit > 0 && r.HasRemaining {
			// The server counted limit-remaining requests: those of this
			// Client's sends are not on their way any more.
			inFlight = min(inFlight, max(0, own-(r.Limit-r.Remaining)))
		}
	}
	projected := w.live.Load() && w.prec == Projected
	whole := (!w.live.Load() && !w.afterSplit) || projected
	if r.Limit > 0 {
		w.limit = r.Limit
	}
	room := max(w.limit, 1)
	if projected {
		// The projection already counts the sends made in it, some of
		// which r's count may not hold yet.
		own, room = w.own, w.left
	}
	w.left = room
	if r.HasRemaining {
		w.left = min(room, max(0, r.Remaining-inFlight))
	}
	// The window began one length before its reset: the longest of the
	// ended window's and the time this report left to its reset.
	left := r.Reset.Sub(arrivedAt(r, now))
	w.prevLength, w.length = w.length, left
	w.reset, w.prec, w.start = r.Reset, r.Prec, r.Reset.Add(-max(left, w.prevLength))
	bare := w.bare
	w.clear(own)
	if projected {
		// The answers that said nothing, like the sends, were the
		// reported window's.
		w.bare = bare
	}
	w.whole = whole
	w.first = !projected
	w.note(r, now)
	w.gen.Add(1)
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
	w.length = max(w.length, w.reset.Sub(arrivedAt(r, now)))
	w.note(r, now)
}

// note keeps what a report of the window says for this Client's share
// (rule 9, settled when the window ends): whether the window was spent,
// how much it had left, how many of this Client's requests it refused, and
// how much others had counted before this Client's first request, when that
// came late in the window.
func (w *window) note(r Report, now time.Time) {
	if !r.HasRemaining {
		return
	}
	w.remaining = r.Remaining
	if w.seen == 0 {
		w.top, w.low = r.Remaining, r.Remaining
	}
	w.low = min(w.low, r.Remaining)
	if r.Remaining == 0 {
		w.spent = true
	}
	if r.Refused {
		w.refused++
	}
	if w.seen++; w.seen == 1 && w.limit > 0 && (w.first || r.Sent.Sub(w.start) > w.length/10) {
		w.before = max(0, w.limit-r.Remaining-1)
	}
	if w.whole && w.limit-r.Remaining-w.before > max(w.own, 1) {
		// More counted since this Client came than it sent: others send.
		w.others = true
	}
	if w.crowded() {
		// An answer: a send less in flight (rule 7).
		w.wakeAll()
	}
}

// settle rebuilds this Client's share as a window ends (rule 9), from
// what the server counted in it:
//   - alone: from the window's start to the lowest remaining it reported,
//     the server counted only this Client's requests (two at least: one
//     says nothing of who came next): the whole window, at once;
//   - spent, or sent on by others while the share did not hold this Client
//     back: its part of the server's count of the whole window (all of it
//     when spent, else down to the lowest remaining reported), its answers
//     less its 429s. Held back by its share, no more than its share times
//     the part of its requests the server took, so that a share of less
//     than one send a window is judged by the sends it made and not by
//     the one window it made them in. None taken: half its share, at most
//     half a send a window; nothing measured in a window it did not see
//     begin (it came when others had spent it);
//   - left with room while the share held it back: it grows by its part
//     of the room left (at most a quarter), when that part is at least one
//     send.
//
// Answers, not sends: a send near a reset may be counted in either
// window, its answer says which.
func (w *window) settle() {
	if w.limit <= 0 || !w.whole || w.seen == 0 {
		return
	}
	limit, took, counted := float64(w.limit), w.seen-w.refused, w.limit-w.low
	measured := w.spent || w.others && !w.bound
	switch {
	case w.before == 0 && w.seen >= 2 && counted <= w.seen:
		w.share, w.company = 1, false
	case measured && took == 0 && w.first:
		// It came when others had spent the window: no part of it to
		// measure, but company (rule 7).
		w.company = true
	case measured && took == 0:
		w.share = min(w.share, 1/limit) / 2
	case measured:
		share := min(1, float64(took)/float64(max(1, counted)))
		if w.bound {
			share = min(share, w.share*float64(took)/float64(w.seen))
		}
		w.share = share
		if float64(took+1) >= aloneShare*float64(counted) {
			// Within one answer of alone: an answer counted in the window
			// next to it.
			w.share = 1
		}
	case w.bound && float64(w.low)*w.share >= 1:
		// Its part of the room left, at most a quarter more: each Client
		// held back takes its own part, so together they take the room
		// and no more.
		w.share = min(1, w.share*(1+min(shareGrowth-1, float64(w.low)/limit)))
	}
	if w.share >= aloneShare {
		w.share = 1
	}
}

// crowded reports whether other Clients were seen on the window: a share
// below the whole, or a server count in this window above what this
// Client sent in it (rule 7 bounds its sends in flight then).
func (w *window) crowded() bool {
	return w.others || w.share < 1 || w.company
}

// part is this Client's part of the sends on a crowded window (rule 7): its
// share, or, before a spent window gave it one, its answers among the
// requests the server counted since its first answer in the window.
func (w *window) part() float64 {
	if w.share < 1 || w.seen < 2 {
		return w.share
	}
	return min(1, float64(w.seen-1)/float64(max(1, w.top-w.low)))
}

// flight is how many more sends this Client may have in flight now (rule
// 7): alone, no bound; with others, its part of the room the window had
// before its sends in flight, less those, and at least the one send a
// window its quota leaves it (rule 9), so that a part too small for a
// whole send does not starve it.
func (w *window) flight() int {
	if !w.crowded() {
		return math.MaxInt32
	}
	inFlight := max(0, w.own-w.seen)
	if w.share >= 1 && w.seen < 2 {
		// No part known yet: one at a time until two answers give it.
		return 1 - max(0, inFlight-w.bare)
	}
	n := int(w.part()*float64(w.left+inFlight)) - inFlight
	if w.own == 0 {
		n = max(n, 1)
	}
	return n
}

// shareGrowth is the most a share grows from one window to the next.
const shareGrowth = 1.25

// aloneShare: a share above it is taken for the whole window; a Client's
// own requests are counted in the window next to it by a few.
const aloneShare = 0.9

// quota is the sends this Client may make in the window (rule 9): its
// share of the limit with the fraction the windows before it left over, so
// that a share of less than one send a window still sends, in every few
// windows.
func (w *window) quota() int {
	if w.share >= 1 {
		// Alone: the room is the only bound.
		return math.MaxInt32
	}
	return int(w.allotment())
}

// allotment is the share of the window's limit, with the fraction left
// over.
func (w *window) allotment() float64 {
	return w.share*float64(w.limit) + w.carry
}

// roll projects the next window when the current one has ended unreported
// (rule 6).
func (w *window) roll(now time.Time) {
	if now.Before(w.reset) {
		return
	}
	w.gen.Add(1)
	// The fraction of a send the window's share left over goes on to the
	// next (rule 9).
	a := w.allotment()
	w.carry = a - math.Floor(a)
	if w.share >= 1 {
		w.carry = 0
	}
	w.settle()
	w.ended, w.endedPrec = w.reset, w.prec
	w.left = max(w.limit, 1)
	w.clear(0)
	w.whole, w.first = true, false
	length := max(w.length, w.prevLength)
	w.start, w.reset, w.prec = w.reset, w.reset.Add(length), Projected
	if !now.Before(w.reset) {
		w.start, w.reset = now, now.Add(length)
	}
}

// clear forgets the window's counts as another opens; own is the sends
// already made in it.
func (w *window) clear(own int) {
	w.own, w.seen, w.bare = own, 0, 0
	w.remaining, w.refused, w.before, w.spent, w.bound, w.others = 0, 0, 0, false, false, false
}

// reclaim takes the credit not yet used back under the lock.
func (w *window) reclaim() {
	if c := w.credit.Swap(0); c > 0 {
		w.left += int(c)
		w.own -= int(c)
	}
}

// grant hands out the sends that may go without looking: the window's room,
// within this Client's share and its bound in flight (rules 7 and 9), in
// the current window only.
func (w *window) grant(now time.Time) {
	if !now.Before(w.reset) {
		return
	}
	if g := min(w.left, w.quota()-w.own, w.flight()); g > 0 {
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
	switch {
	case w.left > 0 && w.own < w.quota() && w.flight() > 0:
		w.left--
		w.own++
		return time.Time{}
	case w.left > 0 && w.own < w.quota():
		// Bound in flight: looked at again at the next answer (note
		// wakes the waiters), or at the reset.
	case w.left > 0:
		w.bound = true
	}
	return w.reset
}

// peek is turn without taking a send: now while the window has room and
// this Client its share, the reset otherwise.
func (w *window) peek(now time.Time) time.Time {
	if !w.live.Load() {
		return now
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reclaim()
	defer w.grant(now)
	w.roll(now)
	if w.left > 0 && w.own < w.quota() {
		return now
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

// answered counts an answer that reported nothing of the window (rule 3):
// its send is no longer in flight.
func (w *window) answered() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.bare++
	if w.crowded() {
		w.wakeAll()
	}
}

// errRetired tells acquire's caller to look up its window again: the
// window was split into one per endpoint (rule 2).
var errRetired = errors.New("ratelimit: window retired")

// retire ends the window's use: its credit is withdrawn and its waiters
// look up their window again.
func (w *window) retire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reclaim()
	w.retired = true
	w.wakeAll()
}

// acquire waits for this Client's turn in the window (rule 7) within lim
// (rule 8); start is when the attempt began waiting. Before the first
// report it counts the send, so that the first window knows what this
// Client had sent before it (see open). It returns the send it took.
func (w *window) acquire(ctx context.Context, start time.Time, lim Limits) (Slot, error) {
	if s, ok := w.takeFast(); ok {
		return s, nil
	}
	w.mu.Lock()
	for {
		if w.retired {
			w.mu.Unlock()
			return Slot{}, errRetired
		}
		now := time.Now()
		until := w.turn(now)
		if until.IsZero() {
			s := Slot{w: w, gen: w.gen.Load(), kind: slotRoom}
			w.mu.Unlock()
			return s, nil
		}
		if r := lim.refuse(ctx, start, now, until); r != nil {
			r.Limit, r.Remaining, r.Reset = w.limit, max(0, w.left), w.reset
			w.mu.Unlock()
			return Slot{}, r
		}
		wake := w.waitChan()
		w.mu.Unlock()
		err := sleep(ctx, until.Sub(now), wake)
		w.mu.Lock()
		if err != nil {
			w.mu.Unlock()
			return Slot{}, err
		}
	}
}
