package ratelimit

import "time"

// Slot is the one send an Acquire or a Book took from a window, for Refund
// when the attempt was not sent after all (rule 10). The zero Slot took
// nothing.
type Slot struct {
	w    *window
	gen  uint64
	kind slotKind
}

// slotKind is what a Slot took.
type slotKind uint8

const (
	// slotUnseen: a send counted before the window's first report.
	slotUnseen slotKind = iota + 1
	// slotRoom: one of the window's room, counted as this Client's.
	slotRoom
	// slotOwn: counted as this Client's only; the window had no room
	// left (a send a shared account granted, see Book).
	slotOwn
)

// Refund gives back s, whose attempt was not sent or reached no server: a
// request the server never saw spends nothing of its window (rule 10). A
// slot of a window that has since ended, opened anew or been split is gone
// with it. Refunding the zero Slot does nothing.
func (p *Pacer) Refund(s Slot) {
	if s.w != nil {
		s.w.refund(s)
	}
}

// Book counts one send on endpoint with key without waiting: a send the
// shared account granted, which this Client's view must count too, so that
// an attempt paced by the view alone (the account not answering) does not
// see room the fleet already spent (rule 10). It returns the send's Slot.
func (p *Pacer) Book(key, endpoint string) Slot {
	s := p.state(key)
	if s == nil {
		return Slot{}
	}
	for {
		if sl, ok := s.window(endpoint).book(); ok {
			return sl
		}
	}
}

// book is Book on one window; false when the window was retired (look it
// up again).
func (w *window) book() (Slot, bool) {
	if s, ok := w.takeFast(); ok {
		return s, true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.retired {
		return Slot{}, false
	}
	now := time.Now()
	w.reclaim()
	defer w.grant(now)
	w.roll(now)
	w.own++
	if w.left <= 0 {
		return Slot{w: w, gen: w.gen.Load(), kind: slotOwn}, true
	}
	w.left--
	return Slot{w: w, gen: w.gen.Load(), kind: slotRoom}, true
}

// takeFast takes a send without the lock: before the first report (counted
// as unseen, see open) or from the credit. false means look under the lock.
func (w *window) takeFast() (Slot, bool) {
	// Read before the send is taken: a window that rolls in between makes
	// the slot stale, and a stale slot gives nothing back (the safe side).
	gen := w.gen.Load()
	if !w.live.Load() {
		w.unseen.Add(1)
		return Slot{w: w, gen: gen, kind: slotUnseen}, true
	}
	if w.acquireFast() {
		return Slot{w: w, gen: gen, kind: slotRoom}, true
	}
	return Slot{}, false
}

// refund is Refund on the window s was taken from.
func (w *window) refund(s Slot) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.retired || w.gen.Load() != s.gen {
		return
	}
	if s.kind == slotUnseen {
		if !w.live.Load() && w.unseen.Load() > 0 {
			w.unseen.Add(-1)
		}
		return
	}
	now := time.Now()
	w.reclaim()
	defer w.grant(now)
	w.own = max(0, w.own-1)
	if s.kind == slotRoom && (w.limit == 0 || w.left < w.limit) {
		w.left++
	}
	w.wakeAll()
}
