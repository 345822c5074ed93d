package freddy

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"time"
)

// burstClock splits the creates of a burst by where their time went: the
// client before its request was written, the way up through the proxy to
// the server's handler, the handler, the way down to the response's first
// byte, and the client after it. Observed, not derived: httptrace on the
// client, the handler's own clock on the server, matched by the
// Idempotency-Key each create sends. A nil *burstClock times nothing.
type burstClock struct {
	mu     sync.Mutex
	calls  []*callTimes
	served map[string][2]time.Time // Idempotency-Key: the handler's start and end
}

// callTimes is one create's, as its client saw it.
type callTimes struct {
	key                      string
	start, wrote, first, end time.Time
}

// callSplit is the mean of the timed creates' parts, and their number.
type callSplit struct {
	n                                     int
	pre, up, server, down, post, duration time.Duration
}

func newBurstClock() *burstClock { return &burstClock{served: map[string][2]time.Time{}} }

// serve records that the handler served r from in until now.
func (c *burstClock) serve(r *http.Request, in time.Time) {
	if c == nil {
		return
	}
	out := time.Now()
	c.mu.Lock()
	c.served[r.Header.Get("Idempotency-Key")] = [2]time.Time{in, out}
	c.mu.Unlock()
}

// start times the create about to run on the returned context; end takes
// what start returned when it has returned.
func (c *burstClock) start(ctx context.Context) (context.Context, *callTimes) {
	if c == nil {
		return ctx, nil
	}
	ct := &callTimes{start: time.Now()}
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaderField: func(name string, v []string) {
			if strings.EqualFold(name, "Idempotency-Key") && len(v) > 0 {
				ct.key = v[0]
			}
		},
		WroteRequest:         func(httptrace.WroteRequestInfo) { ct.wrote = time.Now() },
		GotFirstResponseByte: func() { ct.first = time.Now() },
	}), ct
}

func (c *burstClock) end(ct *callTimes) {
	if c == nil {
		return
	}
	ct.end = time.Now()
	c.mu.Lock()
	c.calls = append(c.calls, ct)
	c.mu.Unlock()
}

// split is the mean split of the creates the server saw.
func (c *burstClock) split() (s callSplit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ct := range c.calls {
		sv, ok := c.served[ct.key]
		if !ok || ct.wrote.IsZero() || ct.first.IsZero() {
			continue
		}
		s.n++
		s.pre += ct.wrote.Sub(ct.start)
		s.up += sv[0].Sub(ct.wrote)
		s.server += sv[1].Sub(sv[0])
		s.down += ct.first.Sub(sv[1])
		s.post += ct.end.Sub(ct.first)
		s.duration += ct.end.Sub(ct.start)
	}
	if s.n > 0 {
		n := time.Duration(s.n)
		s.pre, s.up, s.server, s.down, s.post, s.duration = s.pre/n, s.up/n, s.server/n, s.down/n, s.post/n, s.duration/n
	}
	return s
}
