package freddy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeAccount is an in-memory RateLimitAccount. Reserve answers with the
// next of waits (0 once they run out); with err set it fails; with frozen
// set it never answers, whatever its context, until frozen is closed.
type fakeAccount struct {
	mu       sync.Mutex
	waits    []time.Duration
	err      error
	frozen   chan struct{}
	reserved []RateLimitBucket
	observed []RateLimitWindow
	buckets  []RateLimitBucket
}

func (a *fakeAccount) block() (chan struct{}, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.frozen, a.err
}

func (a *fakeAccount) Reserve(ctx context.Context, b RateLimitBucket) (time.Duration, error) {
	if f, _ := a.block(); f != nil {
		<-f
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return 0, a.err
	}
	a.reserved = append(a.reserved, b)
	if len(a.waits) == 0 {
		return 0, nil
	}
	w := a.waits[0]
	a.waits = a.waits[1:]
	return w, nil
}

func (a *fakeAccount) Observe(ctx context.Context, b RateLimitBucket, w RateLimitWindow) error {
	if f, _ := a.block(); f != nil {
		<-f
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return a.err
	}
	a.buckets = append(a.buckets, b)
	a.observed = append(a.observed, w)
	return nil
}

func (a *fakeAccount) set(err error, frozen chan struct{}) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.err, a.frozen = err, frozen
}

// trustWatcher is an Observer that records the account events only.
type trustWatcher struct {
	mu     sync.Mutex
	events []RateLimitAccountEvent
}

func (w *trustWatcher) ObserveCall(ctx context.Context, _ CallInfo) (context.Context, CallObserver) {
	return ctx, nopCallObserver{}
}

func (w *trustWatcher) RateLimitAccountChanged(e RateLimitAccountEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events = append(w.events, e)
}

func (w *trustWatcher) trusted() []bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []bool
	for _, e := range w.events {
		out = append(out, e.Trusted)
	}
	return out
}

type nopCallObserver struct{}

func (nopCallObserver) Attempt(r *http.Request, next MiddlewareNext) (*http.Response, error) {
	return next(r)
}
func (nopCallObserver) Retry(RetryInfo) {}
func (nopCallObserver) End(CallResult)  {}

// watchedClient is a Client of rt with the account acct, whose changes of
// trust w hears and whose records logs keeps.
func watchedClient(t *testing.T, rt http.RoundTripper, acct RateLimitAccount, opts ...Option) (*Client, *trustWatcher, *levelLog) {
	w, logs := &trustWatcher{}, &levelLog{}
	c := newClient(t, rt, append([]Option{WithRateLimitAccount(acct), WithObserver(w), WithLogger(logs.logger())}, opts...)...)
	return c, w, logs
}

// levelLog keeps the level and message of each record at Info and above.
type levelLog struct {
	mu   sync.Mutex
	recs []string
}

func (l *levelLog) logger() *slog.Logger {
	return slog.New(onRecord(func(r slog.Record) {
		if r.Level >= slog.LevelInfo {
			l.mu.Lock()
			l.recs = append(l.recs, r.Level.String()+" "+r.Message)
			l.mu.Unlock()
		}
	}))
}

func (l *levelLog) records() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.recs...)
}

// windowHeaders is a response's window: limit 10, remaining, reset in 1s.
func windowHeaders(remaining string) []string {
	return []string{"X-Ratelimit-Limit-Requests", "10", "X-Ratelimit-Remaining-Requests", remaining, "X-Ratelimit-Reset-Requests", "1s"}
}

// TestAccountReservesEachAttemptAndHearsEachWindow: Reserve before the
// first attempt and the retry, Observe after each response with a window;
// the bucket names the key by a hash; an answering account decides alone
// (the Client's own view, spent, does not hold the call).
func TestAccountReservesEachAttemptAndHearsEachWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ok := fixture(t, "create_200.json")
		rt := script(reply(500, fixture(t, "error_500.json"), windowHeaders("0")...), reply(200, ok, windowHeaders("0")...), reply(200, ok))
		acct := &fakeAccount{}
		c := newClient(t, rt, WithRateLimitAccount(acct))
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		start := time.Now()
		_, err = c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Zero(t, time.Since(start), "the account said go; the Client's own spent view does not hold the call")
		assert.Len(t, acct.reserved, 3, "first attempt, retry, next call")
		require.Len(t, acct.observed, 2, "each response with a window; not the one without")
		assert.Equal(t, RateLimitWindow{Limit: 10, Remaining: 0, Reset: time.Second}, acct.observed[0])
		for _, b := range append(acct.reserved, acct.buckets...) {
			assert.Equal(t, c.core.keyHash, b.Key)
			assert.Empty(t, b.Endpoint, "one window per key until the headers show otherwise")
			for i := 0; i+8 <= len(testAPIKey); i++ {
				assert.NotContains(t, b.Key, testAPIKey[i:i+8])
			}
		}
	})
}

// TestAccountWaitHoldsTheAttemptThenAsksAgain: a wait from Reserve within
// the window the Client has read holds the attempt that long, then Reserve
// is asked again; a wait past the deadline refuses the call unsent.
func TestAccountWaitHoldsTheAttemptThenAsksAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(200, fixture(t, "create_200.json"), windowHeaders("9")...))
		acct := &fakeAccount{}
		c := newClient(t, rt, WithRateLimitAccount(acct))
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err, "the Client reads a window of 1s")

		acct.waits = []time.Duration{300 * time.Millisecond}
		start := time.Now()
		_, err = c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Equal(t, 300*time.Millisecond, rt.requests()[1].at.Sub(start))
		assert.Len(t, acct.reserved, 3)

		acct.waits = []time.Duration{time.Second}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		start = time.Now()
		_, err = c.Configurations.Create(ctx, validParams())
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.Zero(t, rl.StatusCode)
		assert.Equal(t, time.Second, rl.RetryAfter)
		assert.Zero(t, time.Since(start), "refused at once")
		assert.Len(t, rt.requests(), 2)
	})
}

// TestAccountFallbackAndRecovery: an account that fails (an error, or no
// answer within the bound, whatever its context) is not trusted: each
// attempt is paced by the Client's own view, and the change is announced
// once, to the log and to the Observer, each way.
func TestAccountFallbackAndRecovery(t *testing.T) {
	for _, tc := range []struct {
		name string
		// fail makes the account fail; it returns the delay each account
		// call then costs.
		fail func(a *fakeAccount) (cost time.Duration, release func())
	}{
		{"erroring", func(a *fakeAccount) (time.Duration, func()) {
			a.set(errors.New("store down"), nil)
			return 0, func() { a.set(nil, nil) }
		}},
		{"frozen", func(a *fakeAccount) (time.Duration, func()) {
			f := make(chan struct{})
			a.set(nil, f)
			return DefaultAccountTimeout, func() { a.set(nil, nil); close(f) }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ok := fixture(t, "create_200.json")
				rt := script(reply(200, ok, windowHeaders("0")...))
				acct := &fakeAccount{}
				c, w, logs := watchedClient(t, rt, acct)
				_, err := c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				assert.Empty(t, w.trusted())

				cost, release := tc.fail(acct)
				start := time.Now()
				_, err = c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err, "an account that fails never fails the call")
				reqs := rt.requests()
				assert.Equal(t, time.Second, reqs[1].at.Sub(reqs[0].at), "paced by the Client's own view: its window was spent until the reset")
				assert.Equal(t, time.Second+cost, time.Since(start), "each account call bounded")
				_, err = c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				assert.Equal(t, []bool{false}, w.trusted(), "one event for the change, not one per call")
				require.Len(t, logs.records(), 1)
				assert.Equal(t, "WARN freddy: rate-limit account not trusted; pacing by the Client's own view", logs.records()[0])
				w.mu.Lock()
				assert.Error(t, w.events[0].Err)
				w.mu.Unlock()

				release()
				synctest.Wait()
				time.Sleep(2 * time.Second) // past the Client's own window
				_, err = c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				assert.Equal(t, []bool{false, true}, w.trusted(), "trusted again on the first answer")
				assert.Equal(t, "INFO freddy: rate-limit account answers again; pacing by the shared account", logs.records()[1])
				assert.Len(t, logs.records(), 2)
			})
		})
	}
}

// TestAccountNeverCostsACallItsDeadline: a frozen account holds an attempt
// for at most half the time left before the call's deadline less a
// millisecond (how late the runtime may end the wait); the attempt is
// then paced by the Client's own view and sent, and the account loses trust.
func TestAccountNeverCostsACallItsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(200, fixture(t, "create_200.json")))
		f := make(chan struct{})
		defer close(f)
		acct := &fakeAccount{frozen: f}
		w := &trustWatcher{}
		c := newClient(t, rt, WithRateLimitAccount(acct), WithObserver(w))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Configurations.Create(ctx, validParams())
		require.NoError(t, err, "a frozen account fails no call")
		assert.Equal(t, 9*time.Millisecond, time.Since(start), "half the time left, less a millisecond, went to the account")
		assert.Len(t, rt.requests(), 1)
		assert.Equal(t, []bool{false}, w.trusted(), "the account did not answer in its time")
	})
}

// TestAccountIsNotAskedWithoutTimeForItsBound: a call whose deadline
// leaves the account no time (half of 1.9ms, less the millisecond the
// runtime may end a wait late) does not ask it: the attempt is paced by the
// Client's own view and sent at once, its response is not reported, and the
// Client's trust does not change.
func TestAccountIsNotAskedWithoutTimeForItsBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(200, fixture(t, "create_200.json"), windowHeaders("9")...))
		acct := &fakeAccount{}
		w := &trustWatcher{}
		c := newClient(t, rt, WithRateLimitAccount(acct), WithObserver(w))
		ctx, cancel := context.WithTimeout(context.Background(), 1900*time.Microsecond)
		defer cancel()
		start := time.Now()
		_, err := c.Configurations.Create(ctx, validParams())
		require.NoError(t, err)
		assert.Equal(t, start, rt.requests()[0].at, "sent at once")
		assert.Empty(t, acct.reserved, "Reserve not asked")
		assert.Empty(t, acct.observed, "Observe not asked")
		assert.Empty(t, w.trusted())
	})
}

// TestAccountErrorIsShownScrubbed: an account's error is the caller's own
// text and may quote the API key (the Client's or the call's) or a
// credential; the Warn record and the Observer's event show it scrubbed,
// and the event's error still unwraps to the account's.
func TestAccountErrorIsShownScrubbed(t *testing.T) {
	const callKey = "fk_live_tenantB_Zz99Yy88Xx77Ww66"
	for _, tc := range []struct {
		name string
		opts []RequestOption
		// quoted is what the account's error quotes: the keys the call
		// knows and its credential.
		quoted []string
	}{
		{"Client's key", nil, []string{testAPIKey, testCredential}},
		{"per-call key", []RequestOption{WithAPIKey(callKey)}, []string{testAPIKey, callKey, testCredential}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				down := errors.New("store down")
				acct := &fakeAccount{}
				acct.set(fmt.Errorf("account for %s: %w", strings.Join(tc.quoted, " and "), down), nil)
				w := &trustWatcher{}
				var buf bytes.Buffer
				c := newClient(t, script(reply(200, fixture(t, "create_200.json"))), WithRateLimitAccount(acct), WithObserver(w),
					WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
				_, err := c.Configurations.Create(context.Background(), validParams(), tc.opts...)
				require.NoError(t, err)
				requireNoWindow(t, "the log", buf.String(), tc.quoted)
				assert.Contains(t, buf.String(), "store down", "the account's own words stay")
				w.mu.Lock()
				defer w.mu.Unlock()
				require.Len(t, w.events, 1)
				e := w.events[0].Err
				requireNoWindow(t, "the Observer's event", fmt.Sprintf("%v %+v %#v", e, e, e), tc.quoted)
				assert.ErrorIs(t, e, down)
			})
		})
	}
}
