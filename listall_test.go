package freddy

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pagesRT serves pages of a pager, and runs on[n] (when set) before it
// answers request n (1-based), on the goroutine that sent it.
type pagesRT struct {
	pager
	mu  sync.Mutex
	on  map[int]func(*http.Request) (*http.Response, error)
	ctx []error // each request's context error once answered
}

func (p *pagesRT) RoundTrip(r *http.Request) (*http.Response, error) {
	if f := p.on[int(p.reqs.Load())+1]; f != nil {
		p.reqs.Add(1)
		resp, err := f(r)
		p.mu.Lock()
		p.ctx = append(p.ctx, r.Context().Err())
		p.mu.Unlock()
		return resp, err
	}
	return p.pager.RoundTrip(r)
}

// TestListAllAsksForTheNextPageWhileTheLoopWorks: page 2's request goes out
// while the loop is still on page 1's first item, and no further page is
// asked for until the loop takes page 2 (one page ahead at most).
func TestListAllAsksForTheNextPageWhileTheLoopWorks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &pagesRT{pager: pager{total: 300}}
		c := newClient(t, p)
		n := 0
		for cfg, err := range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{}) {
			require.NoError(t, err)
			n++
			assert.Equal(t, "pconf_"+strconv.Itoa(n), cfg.ID, "in order")
			if n == 1 || n == 101 {
				synctest.Wait() // the page ahead has arrived, nothing else is sent
				assert.Equal(t, int32(n/100+2), p.reqs.Load(), "page %d asked for while the loop is on item %d", n/100+2, n)
			}
		}
		assert.Equal(t, 300, n)
		assert.Equal(t, int32(3), p.reqs.Load())
	})
}

func TestListAllPrefetchCanBeTurnedOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &pagesRT{pager: pager{total: 300}}
		c := newClient(t, p)
		n := 0
		for _, err := range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{DisablePrefetch: true}) {
			require.NoError(t, err)
			if n++; n%100 == 99 {
				synctest.Wait()
				assert.Equal(t, int32(n/100+1), p.reqs.Load(), "the next page waits for the loop")
			}
		}
		assert.Equal(t, 300, n)
	})
}

// TestListAllBreakCancelsThePageAhead: page 2 hangs; breaking out of the loop
// on page 1 cancels it, waits for it, and sends nothing more.
func TestListAllBreakCancelsThePageAhead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &pagesRT{pager: pager{total: 300}, on: map[int]func(*http.Request) (*http.Response, error){2: hang}}
		c := newClient(t, p)
		for _, err := range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{}) {
			require.NoError(t, err)
			synctest.Wait() // page 2 is in flight
			break
		}
		// No synctest.Wait here: the break itself must have ended page 2.
		p.mu.Lock()
		defer p.mu.Unlock()
		require.Len(t, p.ctx, 1, "page 2 ended before the loop returned")
		assert.ErrorIs(t, p.ctx[0], context.Canceled)
		synctest.Wait()
		assert.Equal(t, int32(2), p.reqs.Load(), "no retry, no further page")
	})
}

// TestListAllErrorAfterThePageBefore: page 2 fails at once, long before the
// loop is done with page 1; the error comes after page 1's last item.
func TestListAllErrorAfterThePageBefore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &pagesRT{pager: pager{total: 300, fail: map[int]int{2: 400}}}
		c := newClient(t, p)
		var got []string
		for cfg, err := range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{}) {
			if err != nil {
				assert.ErrorIs(t, err, ErrValidation)
				got = append(got, "error")
				continue
			}
			synctest.Wait() // page 2 has failed already
			got = append(got, cfg.ID)
		}
		require.Len(t, got, 101)
		assert.Equal(t, "pconf_100", got[99])
		assert.Equal(t, "error", got[100])
		assert.Equal(t, int32(2), p.reqs.Load())
	})
}

// TestListAllResponseIntoIsWrittenWhenItsPageIsHandedOver: the loop reads
// the Response of the page it is on, never one being written ahead.
func TestListAllResponseIntoIsWrittenWhenItsPageIsHandedOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		i := 0
		p := &pagesRT{pager: pager{total: 300}}
		c := newClient(t, p, WithMiddleware(func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
			resp, err := next(r)
			if err == nil {
				i++
				resp.Header.Set("X-Request-Id", "req_"+strconv.Itoa(i))
			}
			return resp, err
		}))
		var resp Response
		n := 0
		for _, err := range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{}, WithResponseInto(&resp)) {
			require.NoError(t, err)
			n++
			synctest.Wait() // the page ahead has arrived
			assert.Equal(t, "req_"+strconv.Itoa((n-1)/100+1), resp.RequestID, "item %d", n)
		}
	})
}

// TestListAllPanicInTheLoopStopsThePageAhead: a loop body that panics leaves
// no request in flight behind it.
func TestListAllPanicInTheLoopStopsThePageAhead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &pagesRT{pager: pager{total: 300}, on: map[int]func(*http.Request) (*http.Response, error){2: hang}}
		c := newClient(t, p)
		assert.PanicsWithValue(t, "boom", func() {
			for range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{}) {
				synctest.Wait() // page 2 is in flight
				panic("boom")
			}
		})
		p.mu.Lock()
		defer p.mu.Unlock()
		require.Len(t, p.ctx, 1, "page 2 ended before the panic left ListAll")
		assert.ErrorIs(t, p.ctx[0], context.Canceled)
	})
}

// firstEndGate is an Observer whose first call (ListAll's first page) ends
// only once page 2 has been asked for, or a second later: it tells whether
// page 2's request went out before page 1 was decoded and handed over.
type firstEndGate struct {
	calls atomic.Int32
	page2 chan struct{}
	early atomic.Bool
}

func (g *firstEndGate) ObserveCall(ctx context.Context, _ CallInfo) (context.Context, CallObserver) {
	return ctx, g
}

func (g *firstEndGate) Attempt(req *http.Request, next MiddlewareNext) (*http.Response, error) {
	if req.URL.Query().Get("after") == "pconf_100" {
		close(g.page2)
	}
	return next(req)
}

func (g *firstEndGate) Retry(RetryInfo) {}

func (g *firstEndGate) End(CallResult) {
	if g.calls.Add(1) != 1 {
		return
	}
	select {
	case <-g.page2:
		g.early.Store(true)
	case <-time.After(time.Second):
	}
}

// TestListAllAsksForTheNextPageBeforeDecodingWhenTheLoopWaits: the loop is
// waiting for page 1 (it holds no page), so page 2's request goes out as
// soon as page 1's cursor is read, before page 1's items are decoded: page
// 1's call has not ended yet. Under synctest, a page 2 asked for only after
// page 1 is handed over would let the gate's second pass first.
func TestListAllAsksForTheNextPageBeforeDecodingWhenTheLoopWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &pagesRT{pager: pager{total: 300}, on: map[int]func(*http.Request) (*http.Response, error){}}
		p.on[1] = func(r *http.Request) (*http.Response, error) {
			time.Sleep(time.Millisecond) // the loop is waiting by then
			p.reqs.Add(-1)
			return p.pager.RoundTrip(r)
		}
		gate := &firstEndGate{page2: make(chan struct{})}
		c := newClient(t, p, WithObserver(gate))
		n := 0
		for cfg, err := range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{}) {
			require.NoError(t, err)
			n++
			assert.Equal(t, "pconf_"+strconv.Itoa(n), cfg.ID, "in order")
		}
		assert.Equal(t, 300, n)
		assert.True(t, gate.early.Load(), "page 2 asked for before page 1 was decoded")
		assert.Equal(t, int32(3), p.reqs.Load(), "each page once")
	})
}

// nthEndGate is an Observer whose n-th call ends only once the request
// with after=want has been sent, or a second later; early tells which.
type nthEndGate struct {
	n     int32
	want  string
	calls atomic.Int32
	sent  chan struct{}
	early atomic.Bool
}

type nthEndCall struct {
	g *nthEndGate
	n int32
}

func (g *nthEndGate) ObserveCall(ctx context.Context, _ CallInfo) (context.Context, CallObserver) {
	return ctx, &nthEndCall{g: g, n: g.calls.Add(1)}
}

func (c *nthEndCall) Attempt(req *http.Request, next MiddlewareNext) (*http.Response, error) {
	if req.URL.Query().Get("after") == c.g.want {
		close(c.g.sent)
	}
	return next(req)
}

func (c *nthEndCall) Retry(RetryInfo) {}

func (c *nthEndCall) End(CallResult) {
	if c.n != c.g.n {
		return
	}
	select {
	case <-c.g.sent:
		c.g.early.Store(true)
	case <-time.After(time.Second):
	}
}

// TestListAllAsksForTheNextPageOnceTheLoopWaits: page 2 arrives while the
// loop is still on page 1, and its call has not ended (decoding, or here an
// Observer) when the loop comes to wait for it: page 3's request goes out
// then, without waiting for page 2 to be handed over.
func TestListAllAsksForTheNextPageOnceTheLoopWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &pagesRT{pager: pager{total: 300}}
		gate := &nthEndGate{n: 2, want: "pconf_200", sent: make(chan struct{})}
		c := newClient(t, p, WithObserver(gate))
		n := 0
		for cfg, err := range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{}) {
			require.NoError(t, err)
			if n++; n == 1 {
				synctest.Wait() // page 2 has arrived; its call is held
				assert.Equal(t, int32(2), p.reqs.Load(), "page 3 not asked for while the loop is on page 1")
			}
			assert.Equal(t, "pconf_"+strconv.Itoa(n), cfg.ID, "in order")
		}
		assert.Equal(t, 300, n)
		assert.True(t, gate.early.Load(), "page 3 asked for before page 2 was handed over")
		assert.Equal(t, int32(3), p.reqs.Load(), "each page once")
	})
}
