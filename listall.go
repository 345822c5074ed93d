package freddy

import (
	"context"
	"runtime"
	"sync"
)

// pageAhead is the next page of a ListAll, fetched on a goroutine of its own
// while the loop works on the page before.
type pageAhead struct {
	cancel context.CancelFunc
	done   chan struct{}
	page   *ConfigurationPage
	err    error
	// dst is the caller's WithResponseInto target and resp this fetch's
	// own: the loop may read dst while the page is fetched, so it is
	// written only when the page is handed over.
	dst  *Response
	resp Response
	// ended is how the fetch ended when List did not return: a panic (in a
	// Middleware, an Observer, the caller's RoundTripper) or
	// runtime.Goexit (t.FailNow in one of them), whose panicked is nil.
	// Without prefetch that page is sent on the loop's goroutine, where the
	// caller (net/http's handler recovery, a recover of its own) handles
	// it; take does the same there.
	ended    bool
	panicked any

	// after is the cursor the page was asked with.
	after string
	// startEarly starts the page after this one (see ListAll); arrived
	// runs it once this page's cursor is read, if the loop is waiting.
	startEarly func(cursor string) *pageAhead
	mu         sync.Mutex
	// waiting: the loop is in take; stopped: in stop.
	waiting, stopped bool
	// cursor is this page's, read by arrived (scanned) before the page is
	// decoded, when it says a next page follows.
	cursor             string
	scanned, nextTried bool
	// next is the page after, started early: by arrived, before done is
	// closed, or by take.
	next *pageAhead
}

// responseTarget is the Response opts ask a call to write, nil if none.
func responseTarget(opts []RequestOption) *Response {
	var rc requestConfig
	rc.apply(opts)
	return rc.responseInto
}

// fetchAhead starts List(ctx, p, opts) on a goroutine under a context that
// take and stop cancel. dst is opts' responseTarget.
func (s *ConfigurationsService) fetchAhead(ctx context.Context, p ListConfigurationsParams, opts []RequestOption, dst *Response, startEarly func(string) *pageAhead) *pageAhead {
	fetchCtx, cancel := context.WithCancel(ctx)
	a := &pageAhead{cancel: cancel, done: make(chan struct{}), dst: dst, after: p.After, startEarly: startEarly}
	if dst != nil {
		// The last WithResponseInto wins.
		opts = append(opts[:len(opts):len(opts)], WithResponseInto(&a.resp))
	}
	go func() {
		returned := false
		defer func() {
			// A panic here would end the process, out of the caller's
			// reach: keep it for take.
			if !returned {
				a.ended, a.panicked = true, recover()
			}
			close(a.done)
		}()
		a.page, a.err = s.list(fetchCtx, p, opts, func(body []byte, sc *listScan) { a.arrived(body, sc, p.Limit) })
		returned = true
	}()
	return a
}

// arrived reads this page's cursor as soon as its body is read and, when
// the loop is already waiting for this page, starts the next one at once:
// the next request then does not wait for this page's items to be decoded.
// When the loop comes to wait only later, while the page is still decoded,
// take starts it.
func (a *pageAhead) arrived(body []byte, sc *listScan, limit int) {
	if a.startEarly == nil {
		return
	}
	cursor, next, ok := sc.cursor(body, limit)
	if !ok || !next {
		return
	}
	a.mu.Lock()
	a.cursor, a.scanned = cursor, true
	started := a.startNextLocked()
	a.mu.Unlock()
	if started {
		// Let the next request go out before this page is decoded: the
		// new goroutine otherwise waits for a processor, behind the
		// decoding.
		runtime.Gosched()
	}
}

// startNextLocked starts the next page if the loop is waiting for this one
// (it holds no page then: two pages at most) and this one's cursor is
// known, once. a.mu is held.
func (a *pageAhead) startNextLocked() bool {
	if !a.waiting || !a.scanned || a.stopped || a.nextTried {
		return false
	}
	a.nextTried = true
	a.next = a.startEarly(a.cursor)
	return a.next != nil
}

func (a *pageAhead) take() (*ConfigurationPage, error) {
	a.mu.Lock()
	a.waiting = true
	a.startNextLocked()
	a.mu.Unlock()
	<-a.done
	a.cancel()
	if a.ended {
		if a.panicked != nil {
			panic(a.panicked)
		}
		runtime.Goexit()
	}
	if a.dst != nil {
		*a.dst = a.resp
	}
	return a.page, a.err
}

// stop cancels the fetch and waits for its goroutine: after a break, no
// request is in flight and none is sent. A panic of a page the loop never
// took is dropped: without prefetch that page would not have been asked
// for.
func (a *pageAhead) stop() {
	if a == nil {
		return
	}
	a.mu.Lock()
	a.stopped = true
	a.mu.Unlock()
	a.cancel()
	<-a.done
	// Started, if at all, before done was closed.
	a.next.stop()
}
