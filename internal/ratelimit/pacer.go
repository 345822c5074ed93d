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
}

// endpointState is an endpoint's own window (used once split) and its
// latest report, which rule 2 compares the next reports of other endpoints
// with.
type endpointState struct {
	w       *window
	last    Report
	arrived time.Time
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
		s.ends[name] = e
	}
	return e
}

// Observe merges what one response on endpoint, sent with key, said.
// A report without window information changes nothing (rule 3).
func (p *Pacer) Observe(key, endpoint string, r Report) {
	now := time.Now()
	if !usable(r, now) {
		return
	}
	s := p.state(key)
	if s == nil {
		return
	}
	s.mu.Lock()
	e := s.endpoint(endpoint)
	if !s.split.Load() && s.splits(endpoint, r, now) {
		s.split.Store(true)
		for _, o := range s.ends {
			if o != e && usable(o.last, now) {
				o.w.observe(o.last, now)
			}
		}
	}
	e.last, e.arrived = r, now
	w := s.shared
	if s.split.Load() {
		w = e.w
	}
	s.mu.Unlock()
	w.observe(r, now)
	s.last.Store(w)
}

// splits is rule 2: whether r, on endpoint, shows that endpoint's window is
// not the one another endpoint's latest report described. s.mu is held.
func (s *keyState) splits(endpoint string, r Report, now time.Time) bool {
	for name, o := range s.ends {
		if name == endpoint || o.arrived.IsZero() || r.Sent.Before(o.arrived) || !o.last.Reset.After(now) {
			continue
		}
		if !within(r.Reset, o.last.Reset, s.shared.tolerance(r.Prec, o.last.Prec)) {
			return true
		}
		if r.HasRemaining && o.last.HasRemaining && o.last.Remaining > 0 && r.Remaining >= o.last.Remaining {
			return true
		}
	}
	return false
}

// Acquire returns when an attempt on endpoint with key may be sent: at once
// while its window has room (rule 7). hold, when not zero, is the earliest
// time this one attempt may go (rule 8). It returns a *Refusal without
// waiting when the turn is out of lim's bounds, and ctx's error when ctx
// ends while waiting.
func (p *Pacer) Acquire(ctx context.Context, key, endpoint string, hold time.Time, lim Limits) error {
	start := time.Now()
	if !hold.IsZero() {
		if err := HoldUntil(ctx, start, hold, lim); err != nil {
			return err
		}
	}
	s := p.state(key)
	if s == nil {
		return nil
	}
	return s.window(endpoint).acquire(ctx, start, lim)
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
