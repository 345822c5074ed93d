package freddy

import (
	"context"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// panicObserver panics in the Attempt of request n (1-based).
type panicObserver struct {
	n     int32
	value any
	seen  atomic.Int32
}

func (o *panicObserver) ObserveCall(ctx context.Context, _ CallInfo) (context.Context, CallObserver) {
	return ctx, o
}

func (o *panicObserver) Attempt(r *http.Request, next MiddlewareNext) (*http.Response, error) {
	if o.seen.Add(1) == o.n {
		panic(o.value)
	}
	return next(r)
}

func (*panicObserver) Retry(RetryInfo) {}
func (*panicObserver) End(CallResult)  {}

// TestListAllPanicOfAPageAheadReachesTheLoop: a panic in a Middleware, an
// Observer or the caller's RoundTripper while page 2 is fetched ahead is
// not the end of the process: it is raised on the loop's goroutine, with
// the same value, once page 1's items are yielded, as it is without
// prefetch; a caller's recover (net/http's handler recovery) catches it.
func TestListAllPanicOfAPageAheadReachesTheLoop(t *testing.T) {
	type boom struct{ where string }
	for _, where := range []string{"RoundTripper", "Middleware", "Observer"} {
		for _, prefetch := range []bool{true, false} {
			name := where + "/prefetch"
			if !prefetch {
				name = where + "/no prefetch"
			}
			t.Run(name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					value := &boom{where}
					p := &pagesRT{pager: pager{total: 300}}
					var opts []Option
					var callOpts []RequestOption
					switch where {
					case "RoundTripper":
						p.on = map[int]func(*http.Request) (*http.Response, error){2: func(*http.Request) (*http.Response, error) { panic(value) }}
					case "Middleware":
						var n atomic.Int32
						callOpts = append(callOpts, WithMiddleware(func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
							if n.Add(1) == 2 {
								panic(value)
							}
							return next(r)
						}))
					case "Observer":
						opts = append(opts, WithObserver(&panicObserver{n: 2, value: value}))
					}
					c := newClient(t, p, opts...)
					n := 0
					recovered := func() (r any) {
						defer func() { r = recover() }()
						for _, err := range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{DisablePrefetch: !prefetch}, callOpts...) {
							require.NoError(t, err)
							n++
						}
						return nil
					}()
					assert.Same(t, value, recovered, "the panic's own value, on the loop's goroutine")
					assert.Equal(t, 100, n, "after every item of page 1")
				})
			})
		}
	}
}

// TestListAllPanicReachesAnHTTPHandlersRecovery: net/http's per-handler
// recovery (http.ErrAbortHandler included) still sees a panic of a page
// fetched ahead, as the probe's handler did: the server keeps serving.
func TestListAllPanicReachesAnHTTPHandlersRecovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &pagesRT{pager: pager{total: 300}, on: map[int]func(*http.Request) (*http.Response, error){
			2: func(*http.Request) (*http.Response, error) { panic(http.ErrAbortHandler) },
		}}
		c := newClient(t, p)
		assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
			for range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{}) {
			}
		})
	})
}

// TestListAllGoexitOfAPageAheadEndsTheLoop: runtime.Goexit while page 2 is
// fetched ahead (t.FailNow in a Middleware) ends the loop's goroutine, as
// it does without prefetch, instead of handing the loop a nil page.
func TestListAllGoexitOfAPageAheadEndsTheLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &pagesRT{pager: pager{total: 300}}
		c := newClient(t, p)
		var n atomic.Int32
		mw := WithMiddleware(func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
			if n.Add(1) == 2 {
				runtime.Goexit()
			}
			return next(r)
		})
		done := make(chan any)
		items, finished := 0, false
		go func() {
			defer func() { done <- recover() }()
			for _, err := range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{}, mw) {
				if err != nil {
					break
				}
				items++
			}
			finished = true
		}()
		assert.Nil(t, <-done, "no panic (a nil page read)")
		assert.False(t, finished, "the loop's goroutine ended")
		assert.Equal(t, 100, items)
	})
}
