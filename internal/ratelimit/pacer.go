package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"
)

// KeyOf is an API key's identity in the model (rule 1): a hash of it, from
// which neither the key nor any part of it can be read back.
func KeyOf(apiKey string) string {
	sum := sha256.Sum256([]byte("freddy-go rate-limit bucket\x00" + apiKey))
	return hex.EncodeToString(sum[:12])
}

// maxKeys bounds the keys one Pacer keeps windows for: a Client that sends
// each call with another tenant's key (WithAPIKey per call) must not grow
// without end. Keys beyond it are not paced by the model; their calls are
// still held by their own Hold.
const maxKeys = 4096

// Pacer is one Client's model: the windows of every bucket it has seen.
// It is safe for concurrent use.
type Pacer struct {
	ownKey string
	own    *keyState
	keys   sync.Map // key hash -> *keyState, for keys other than ownKey
	nkeys  atomic.Int32
}

// New returns the Pacer of a Client whose own API key hashes to ownKey.
func New(ownKey string) *Pacer {
	return &Pacer{ownKey: ownKey, own: newKeyState()}
}

// keyState is one key's buckets (rule 2): one shared window until the
// headers split it, then one window per endpoint.
type keyState struct {
	split  atomic.Bool
	shared *window
	// last is the window of the latest report, for View.
	last atomic.Pointer[window]

	mu   sync.Mutex
	ends map[string]*endpointState
	// recent holds the key's latest reports for rule 2 (see remember),
	// until the key is split.
	recent [recentReports]arrival
	next   int
}

// endpointState is an endpoint's own window (used once split) and its
// latest report (replayed into its window at the split).
type endpointState struct {
	w    *window
	last Report
}

// arrival is a report as rule 2 compares it: its endpoint and when it
// arrived.
type arrival struct {
	endpoint string
	r        Report
	at       time.Time
}

// recentReports is how many reports of a key rule 2 looks back over: more
// than the calls a Client usually has in flight.
const recentReports = 128

// remember keeps r, on endpoint, among the recent reports; s.mu is held.
func (s *keyState) remember(endpoint string, r Report, at time.Time) {
	s.recent[s.next] = arrival{endpoint, r, at}
	s.next = (s.next + 1) % recentReports
}

// each calls f on the recent reports, the latest first, until f returns
// false; s.mu is held.
func (s *keyState) each(f func(a *arrival) bool) {
	for i := 1; i <= recentReports; i++ {
		a := &s.recent[(s.next-i+recentReports)%recentReports]
		if a.at.IsZero() || !f(a) {
			return
		}
	}
}

func newKeyState() *keyState {
	return &keyState{shared: newWindow(), ends: map[string]*endpointState{}}
}

// state returns key's buckets, nil when the Pacer keeps no more keys.
func (p *Pacer) state(key string) *keyState {
	if key == p.ownKey {
		return p.own
	}
	if s, ok := p.keys.Load(key); ok {
		return s.(*keyState)
	}
	if p.nkeys.Load() >= maxKeys {
		return nil
	}
	s, loaded := p.keys.LoadOrStore(key, newKeyState())
	if !loaded {
		p.nkeys.Add(1)
	}
	return s.(*keyState)
}

// window returns the window an attempt on endpoint is paced by.
func (s *keyState) window(endpoint string) *window {
	if !s.split.Load() {
		return s.shared
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endpoint(endpoint).w
}

// endpoint returns endpoint's state, made on first use; s.mu is held.
func (s *keyState) endpoint(name string) *endpointState {
	e := s.ends[name]
	if e == nil {
		e = &endpointState{w: newWindow()}
		e.w.afterSplit = s.split.Load()
		s.ends[name] = e
	}
	return e
}

// Observe merges what one response on endpoint, sent with key, said.
// A report without window information changes no window (rule 3); it only
// tells that its send is no longer in flight (rule 7).
func (p *Pacer) Observe(key, endpoint string, r Report) {
	now := time.Now()
	if !usable(r, now) {
		if s := p.state(key); s != nil {
			s.window(endpoint).answered()
		}
		return
	}
	r.Arrived = now
	s := p.state(key)
	if s == nil {
		return
	}
	s.mu.Lock()
	e := s.endpoint(endpoint)
	if !s.split.Load() && s.splits(endpoint, r, now) {
		s.split.Store(true)
		s.shared.retire()
		for _, o := range s.ends {
			o.w.mu.Lock()
			o.w.afterSplit = true
			o.w.mu.Unlock()
		}
		for _, o := range s.ends {
			if o != e && usable(o.last, now) {
				o.w.observe(o.last, now)
			}
		}
	}
	e.last = r
	if !s.split.Load() {
		s.remember(endpoint, r, now)
	}
	w := s.shared
	if s.split.Load() {
		w = e.w
	}
	s.mu.Unlock()
	w.observe(r, now)
	s.last.Store(w)
}

// splits is rule 2: whether r, on endpoint, shows that endpoint's window is
// not the one the key's other endpoints report. Each test is sound whatever
// other Clients send on the key:
//   - a report from another endpoint that arrived before r was sent, with
//     its window still current, gave another reset, or a remaining count
//     not above r's (a shared count only falls);
//   - the server counted fewer requests in the window when it answered r
//     than this Client had answers from the window before r was sent
//     (each was counted before r was).
//
// "Before" is strict: an answer that arrived at the very time r was sent
// (a coarse clock) proves nothing.
//
// s.mu is held.
func (s *keyState) splits(endpoint string, r Report, now time.Time) bool {
	if r.Sent.IsZero() || !r.HasRemaining {
		return false
	}
	split := false
	s.each(func(a *arrival) bool {
		if !a.at.Before(r.Sent) || !a.r.Reset.After(now) || a.endpoint == endpoint {
			return true
		}
		tol := s.shared.tolerance(r.Prec, a.r.Prec)
		split = !within(r.Reset, a.r.Reset, tol) || (a.r.HasRemaining && a.r.Remaining > 0 && r.Remaining >= a.r.Remaining)
		return false
	})
	if split || r.Remaining == 0 {
		return split
	}
	w := s.shared
	w.mu.Lock()
	seen, limit, reset, tol := w.seen, w.limit, w.reset, w.tolerance(r.Prec, w.prec)
	current := w.live.Load() && w.prec != Projected && now.Before(reset) && within(r.Reset, reset, tol)
	w.mu.Unlock()
	if r.Limit > 0 {
		limit = r.Limit
	}
	if !current || limit <= 0 {
		return false
	}
	answered := seen
	s.each(func(a *arrival) bool {
		if a.at.Before(r.Sent) {
			return false
		}
		if a.r.HasRemaining && within(a.r.Reset, reset, tol) {
			answered--
		}
		return true
	})
	return limit-r.Remaining < 1+answered
}

// Acquire returns when an attempt on endpoint with key may be sent: at once
// while its window has room (rule 7). hold, when not zero, is the earliest
// time this one attempt may go (rule 8). It returns a *Refusal without
// waiting when the turn is out of lim's bounds, and ctx's error when ctx
// ends while waiting. The Slot is the send it took, for Refund.
func (p *Pacer) Acquire(ctx context.Context, key, endpoint string, hold time.Time, lim Limits) (Slot, error) {
	start := time.Now()
	if !hold.IsZero() {
		if err := HoldUntil(ctx, start, hold, lim); err != nil {
			return Slot{}, err
		}
	}
	s := p.state(key)
	if s == nil {
		return Slot{}, nil
	}
	for {
		if sl, err := s.window(endpoint).acquire(ctx, start, lim); err != errRetired {
			return sl, err
		}
	}
}

// Turn is the earliest time an attempt on key's endpoint may go by its
// window as it stands: now while the window has room (and this Client its
// share), the reset otherwise. It takes nothing: a retry looks before its
// backoff whether its turn would be refused (rule 8), so that it is
// refused at once rather than after the backoff.
func (p *Pacer) Turn(key, endpoint string, now time.Time) time.Time {
	s := p.state(key)
	if s == nil {
		return now
	}
	return s.window(endpoint).peek(now)
}

// View is the window of key's latest report: with one window per
// endpoint, the endpoint that answered last. ok is false before any report.
func (p *Pacer) View(key string) (limit, remaining int, reset time.Time, ok bool) {
	s := p.state(key)
	if s == nil {
		return 0, 0, time.Time{}, false
	}
	w := s.last.Load()
	if w == nil {
		return 0, 0, time.Time{}, false
	}
	limit, remaining, reset = w.view()
	return limit, remaining, reset, true
}

// Split reports whether key's endpoints were found to have windows of
// their own (rule 2).
func (p *Pacer) Split(key string) bool {
	s := p.state(key)
	return s != nil && s.split.Load()
}
