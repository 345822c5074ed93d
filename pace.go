package freddy

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// pacer is a Client's view of the rate-limit window, fed by every response,
// and the gate each attempt passes before it is sent. It is its own unit: the
// request path feeds it in one place (see) and asks it in one place
// (acquire), and it knows nothing of retries.
//
// The view is what the server last said about the current window, merged
// conservatively: the lowest remaining, the earliest of the most precise
// resets, and never capacity from a window that has ended. left counts down
// as this client sends, so the client does not have to wait for a response
// to know it has spent the window.
//
// While the window has capacity a call goes out at once. When it is spent,
// calls wait for the reset; at the reset at most the window's count goes out
// (the view refills to the limit, and each send takes one), so the waiters do
// not stampede into a second round of 429s. The window's second half is
// spaced at four times its average rate: replicas sharing the key then see
// each other's sends in the headers before the window runs out, instead of
// all spending its last requests at once (in the load run, four replicas of
// 8 goroutines overshot by ~7 requests a window when only the last quarter
// was spaced, by ~2 with the second half).
//
// A 429's retry is held until the later of its Retry-After and the view's
// reset: the server asked that call to wait. The view is not extended to a
// Retry-After later than its reset: Retry-After is whole seconds, usually the
// precise reset rounded up, and holding every call to it would cost each
// window up to a second. When a server means it (Retry-After 3 with a 100ms
// reset), the other calls go at the reset, each gets at most one 429 of its
// own, and each is then held for that 429's Retry-After.
type pacer struct {
	// active is false until a response reports a window: until then an
	// attempt costs one atomic load.
	active atomic.Bool

	mu    sync.Mutex
	limit int
	// left is the lowest remaining the server reported in this window, less
	// the sends this client made since.
	left  int
	reset time.Time
	prec  int
	// ended is the reset of the last window that ended: responses that
	// still report it are stale.
	ended time.Time
	// window is the longest time to a reset seen: the window's length, used
	// to project the next window before a response reports it.
	window time.Duration
	// next is the earliest send time of the next spaced send.
	next time.Time
	// wake is closed when a held call should look again: the reset moved
	// earlier, a new window opened or a send was given back.
	wake chan struct{}
	// gen numbers the windows, so that a send given back (refund) returns
	// to the window it was taken from and to no later one.
	gen uint64
}

// slot is one send acquire counted down from the view: the window's gen, or
// 0 when acquire counted nothing.
type slot uint64

func newPacer() *pacer {
	return &pacer{}
}

// view returns the current window as the client sees it; the zero RateLimit
// before any response reported one.
func (p *pacer) view() RateLimit {
	if !p.active.Load() {
		return RateLimit{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return RateLimit{Limit: p.limit, Remaining: max(0, p.left), ResetAt: p.reset}
}

// paceHorizon is the furthest reset the view believes. A reset further away
// (a 429's retry_after of 1e300, a Unix reset in the year 5138) is taken for
// a server's mistake: believed, it would refuse every later call unsent, and
// no request would ever go out to correct it. The response that said it is
// still judged by its own Retry-After (the retry policy refuses a wait
// longer than the max retry wait).
const paceHorizon = time.Hour

// observe merges what one response said into the view.
func (p *pacer) observe(s sighting, now time.Time) {
	if s.reset.IsZero() || !s.reset.After(now) || s.reset.Sub(now) > paceHorizon || (!s.hasRemaining && s.limit == 0) {
		// No window to pace by, one that has already ended (an older
		// window's numbers must not bring back spent capacity), or one
		// beyond the horizon.
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.limit > 0 {
		p.limit = s.limit
	}
	if s.prec >= precAsked || p.window == 0 {
		p.window = max(p.window, s.reset.Sub(now))
	}
	if !p.reset.IsZero() && !now.Before(p.reset) {
		p.ended = p.reset
	}
	if !p.ended.IsZero() && s.reset.Sub(p.ended) <= p.window/2 {
		// A response sent before the window that ended did: its numbers
		// are that window's, and must not spend (or refill) this one.
		return
	}
	if p.reset.IsZero() || !now.Before(p.reset) {
		// The first window seen, or a new one: take it as reported.
		p.reset, p.prec, p.left = s.reset, s.prec, p.limit
		p.gen++
		if s.hasRemaining {
			p.left = s.remaining
		}
		p.next = time.Time{}
		p.wakeAll()
		p.active.Store(true)
		return
	}
	if s.hasRemaining && s.remaining < p.left {
		p.left = s.remaining
	}
	if s.prec > p.prec || (s.prec == p.prec && s.reset.Before(p.reset)) {
		earlier := s.reset.Before(p.reset)
		p.reset, p.prec = s.reset, s.prec
		if earlier {
			p.wakeAll()
		}
	}
}

// roll opens the next window once the current one has ended and no response
// has reported it yet: the limit is back, and the reset is projected one
// window on (or from now, when whole windows passed unseen).
func (p *pacer) roll(now time.Time) {
	if now.Before(p.reset) {
		return
	}
	p.left, p.ended = max(p.limit, 1), p.reset
	p.reset, p.prec, p.next = p.reset.Add(p.window), precProjected, time.Time{}
	p.gen++
	if !now.Before(p.reset) {
		p.reset = now.Add(p.window)
	}
}

// acquire returns when this client may send one request, with the slot it
// counted down for it (zero while no window is known): at once while the
// window has capacity; after the reset (or its spaced turn) otherwise. It
// returns ctx's error when the context ends while held, and a *RateLimitError
// (StatusCode 0, RetryAfter the wait still ahead) without waiting when the
// turn would come after the context's deadline or the call's whole hold
// would exceed maxWait (the call's WithMaxRetryWait, which bounds a hold as
// it bounds a retry's wait). The hold is measured from when acquire started,
// not from each look: a call behind a queue looks again at every reset or
// slot, and judging each look alone would hold it for many windows.
//
// hold, when not zero, is the earliest time this call may be sent (a 429
// that held only this call).
func (p *pacer) acquire(ctx context.Context, hold time.Time, maxWait time.Duration) (slot, error) {
	start := time.Now()
	if wait := hold.Sub(start); !hold.IsZero() && wait > 0 {
		if err := p.refuse(ctx, start, start, hold, maxWait); err != nil {
			return 0, err
		}
		if err := sleep(ctx, wait, nil); err != nil {
			return 0, err
		}
	}
	if !p.active.Load() {
		return 0, nil
	}
	p.mu.Lock()
	for {
		now := time.Now()
		p.roll(now)
		var until time.Time
		switch spaced := p.left*2 <= p.limit; {
		case p.left > 0 && (!spaced || !now.Before(p.next)):
			if spaced {
				p.next = now.Add(p.window / time.Duration(4*p.limit))
			}
			p.left--
			s := slot(p.gen)
			p.mu.Unlock()
			return s, nil
		case p.left > 0:
			// The next spaced slot. The call looks again then rather than
			// booking it now: by then a response may say the window is
			// spent.
			until = p.next
		default:
			// The earliest turn: waiters beyond the window's count find the
			// next window spent when they look again, and wait (or are
			// refused) then.
			until = p.reset
		}
		if err := p.refuse(ctx, start, now, until, maxWait); err != nil {
			p.mu.Unlock()
			return 0, err
		}
		if p.wake == nil {
			p.wake = make(chan struct{})
		}
		wake := p.wake
		p.mu.Unlock()
		err := sleep(ctx, until.Sub(now), wake)
		p.mu.Lock()
		if err != nil {
			p.mu.Unlock()
			return 0, err
		}
	}
}

// refund gives back a slot whose attempt was not sent (a Limiter refused
// it, or it reached no server): a request the server never saw spends
// nothing of its window. A slot of a window that has since ended is gone
// with it.
func (p *pacer) refund(s slot) {
	if s == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if uint64(s) == p.gen && (p.limit == 0 || p.left < p.limit) {
		p.left++
		p.wakeAll()
	}
}

// refuse returns the typed refusal of a call whose acquire started at start
// and which would now wait until at: its whole hold, start to at, is judged
// against the deadline and maxWait; RetryAfter is the wait still ahead.
func (p *pacer) refuse(ctx context.Context, start, now, at time.Time, maxWait time.Duration) error {
	wait := at.Sub(now)
	if wait <= 0 {
		return nil
	}
	why := ""
	if d, ok := ctx.Deadline(); ok && !at.Before(d) {
		why = "its turn in the rate-limit window comes after the context deadline"
	} else if at.Sub(start) > maxWait {
		why = "its turn in the rate-limit window is further away than the max retry wait " + maxWait.String()
	}
	if why == "" {
		return nil
	}
	return &RateLimitError{APIError: APIError{Message: "request not sent: " + why},
		RetryAfter: wait, Limit: p.limit, Remaining: max(0, p.left), ResetAt: p.reset}
}

func (p *pacer) wakeAll() {
	if p.wake != nil {
		close(p.wake)
		p.wake = nil
	}
}

// sleep waits d, until wake closes, or until ctx ends, and returns ctx's
// error in the last case.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	case <-wake:
	}
	return nil
}
