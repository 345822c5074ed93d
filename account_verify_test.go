package freddy

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The account's word is checked against the server's (accountgate.go's
// head): a hold longer than the window this Client's responses reported is
// not followed; the server's answer judges it, and an account the server
// contradicted is not trusted until it asks for a hold the Client can
// follow.

// TestAccountHoldLongerThanTheServersWindowIsNotFollowed: the Client read
// a 1s window; an account asking for 49m58s (a corrupted or hostile store)
// holds no call: the attempt is paced by the Client's own view (room left:
// sent at once), its response is reported to the account, and the change of
// trust it shows is announced once each way, to the log and to the
// Observer.
func TestAccountHoldLongerThanTheServersWindowIsNotFollowed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(200, fixture(t, "create_200.json"), windowHeaders("9")...))
		acct := &fakeAccount{}
		c, w, logs := watchedClient(t, rt, acct)
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)

		acct.waits = []time.Duration{49*time.Minute + 58*time.Second}
		start := time.Now()
		_, err = c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err, "the call goes")
		assert.Equal(t, start, rt.requests()[1].at, "not held: the Client's own view has room")
		assert.Len(t, acct.observed, 2, "the response that corrects the account is reported to it")
		assert.Equal(t, []bool{false}, w.trusted())
		w.mu.Lock()
		require.Error(t, w.events[0].Err)
		assert.Equal(t, "the account held sends for 49m58s more; the server's window resets in 1s", w.events[0].Err.Error())
		w.mu.Unlock()
		assert.Equal(t, []string{"WARN freddy: rate-limit account not trusted; pacing by the Client's own view"}, logs.records())

		_, err = c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Equal(t, []bool{false, true}, w.trusted(), "trusted again on the first answer it can follow")
		assert.Len(t, logs.records(), 2)
	})
}

// TestAccountHoldIsBoundedByTheWindowRead: while the window the Client
// read has not reset, the bound is its reset (1s from the response); once
// it has (an idle Client, a minute later), the longest window read (1s)
// from now; each with rule 5's tolerance of a reset's precision (half the
// window, below a second): a hold of 1.5s is followed, one a millisecond
// longer is not.
func TestAccountHoldIsBoundedByTheWindowRead(t *testing.T) {
	for _, tc := range []struct {
		idle, hold, held time.Duration
	}{
		{0, 1500 * time.Millisecond, 1500 * time.Millisecond},
		{0, 1501 * time.Millisecond, 0},
		{time.Minute, 1500 * time.Millisecond, 1500 * time.Millisecond},
		{time.Minute, 1501 * time.Millisecond, 0},
	} {
		t.Run(tc.idle.String()+"/"+tc.hold.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(reply(200, fixture(t, "create_200.json"), windowHeaders("9")...))
				acct := &fakeAccount{}
				c := newClient(t, rt, WithRateLimitAccount(acct))
				_, err := c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				time.Sleep(tc.idle)
				acct.waits = []time.Duration{tc.hold}
				start := time.Now()
				_, err = c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				assert.Equal(t, tc.held, rt.requests()[1].at.Sub(start))
			})
		})
	}
}

// TestAccountHoldBeforeAnyWindowIsNotFollowed: a Client that has read no
// window measures a hold by the documented window (60s): a longer one is not
// followed; its attempt goes by its own view (which holds nothing before a
// window is known) and reports the server's window to the account. The server's 1s contradicts the account's 50 minutes: trust is
// lost, once, and comes back with the first hold the Client can follow.
func TestAccountHoldBeforeAnyWindowIsNotFollowed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(200, fixture(t, "create_200.json"), windowHeaders("9")...))
		acct := &fakeAccount{waits: []time.Duration{50 * time.Minute, 500 * time.Millisecond}}
		c, w, logs := watchedClient(t, rt, acct)
		start := time.Now()
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Equal(t, start, rt.requests()[0].at, "sent at once")
		require.Len(t, acct.observed, 1)
		assert.Equal(t, RateLimitWindow{Limit: 10, Remaining: 9, Reset: time.Second}, acct.observed[0])
		assert.Equal(t, []bool{false}, w.trusted())

		start = time.Now()
		_, err = c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Equal(t, 500*time.Millisecond, rt.requests()[1].at.Sub(start), "a hold within the window read is followed")
		assert.Equal(t, []bool{false, true}, w.trusted())
		assert.Len(t, logs.records(), 2)
	})
}

// TestAccountHoldPastTheResetReadIsNotFollowed: half a second into the 1s
// window the Client read, a hold of 1.2s (within the longest window read,
// but ending 0.7s after the reset read, past its 0.5s tolerance) is not
// followed: one attempt goes at once by the Client's own view. The server's
// answer judges the hold by its reset alone: one 400ms away contradicts it
// (one Warn record and one event); one a second away bears it out, though
// the server had 8 sends left, which an honest account, booking the
// fleet's sends before the server counts them, may have spent (no record,
// no event). A hold ending exactly at the bound is followed.
func TestAccountHoldPastTheResetReadIsNotFollowed(t *testing.T) {
	for _, tc := range []struct {
		name       string
		hold, held time.Duration
		reset      string // the second response's
		trusted    []bool
	}{
		{"contradicted by the reset", 1200 * time.Millisecond, 0, "400ms", []bool{false}},
		{"borne out by the reset, sends left", 1200 * time.Millisecond, 0, "1s", nil},
		{"followed", time.Second, time.Second, "1s", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ok := fixture(t, "create_200.json")
				second := []string{"X-Ratelimit-Limit-Requests", "10", "X-Ratelimit-Remaining-Requests", "8", "X-Ratelimit-Reset-Requests", tc.reset}
				rt := script(reply(200, ok, windowHeaders("9")...), reply(200, ok, second...))
				acct := &fakeAccount{}
				c, w, logs := watchedClient(t, rt, acct)
				_, err := c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				time.Sleep(500 * time.Millisecond)
				acct.waits = []time.Duration{tc.hold}
				start := time.Now()
				_, err = c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				assert.Equal(t, tc.held, rt.requests()[1].at.Sub(start))
				assert.Equal(t, tc.trusted, w.trusted())
				if tc.trusted == nil {
					assert.Empty(t, logs.records())
					return
				}
				w.mu.Lock()
				require.Len(t, w.events, 1)
				assert.Equal(t, "the account held sends for 1.2s more; the server's window resets in 400ms", w.events[0].Err.Error())
				w.mu.Unlock()
				assert.Equal(t, []string{"WARN freddy: rate-limit account not trusted; pacing by the Client's own view"}, logs.records())
			})
		})
	}
}

// TestAccountHoldBeforeAnyWindowWithinTheDocumentedWindowIsFollowed: a
// Client that has read no window (one joining a fleet whose window is
// spent) follows a hold of up to the documented 60s and its tolerance (a
// second), so that it spends no attempt on a 429; one a millisecond longer
// is not followed.
func TestAccountHoldBeforeAnyWindowWithinTheDocumentedWindowIsFollowed(t *testing.T) {
	for _, tc := range []struct {
		hold, held time.Duration
	}{
		{300 * time.Millisecond, 300 * time.Millisecond},
		{61 * time.Second, 61 * time.Second},
		{61*time.Second + time.Millisecond, 0},
	} {
		t.Run(tc.hold.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(reply(200, fixture(t, "create_200.json"), windowHeaders("9")...))
				acct := &fakeAccount{waits: []time.Duration{tc.hold}}
				w := &trustWatcher{}
				c := newClient(t, rt, WithRateLimitAccount(acct), WithObserver(w), WithMaxRetryWait(2*time.Minute))
				start := time.Now()
				_, err := c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				assert.Equal(t, tc.held, rt.requests()[0].at.Sub(start))
				if tc.held > 0 {
					assert.Empty(t, w.trusted())
				}
			})
		})
	}
}

// TestAccountHoldTheServerBearsOutKeepsTrust: a Client that read only the
// end of a window (its reset 1s away) meets a hold of 5s from an honest
// account: it cannot check it, so one attempt learns the window; the
// server's answer (the window spent until 5s from now) bears the hold out:
// no change of trust, and the next hold is followed.
func TestAccountHoldTheServerBearsOutKeepsTrust(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ok := fixture(t, "create_200.json")
		in5s := []string{"X-Ratelimit-Limit-Requests", "10", "X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "5s"}
		rt := script(reply(200, ok, windowHeaders("9")...), reply(200, ok, in5s...))
		acct := &fakeAccount{}
		w := &trustWatcher{}
		c := newClient(t, rt, WithRateLimitAccount(acct), WithObserver(w))
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		acct.waits = []time.Duration{5 * time.Second, 5 * time.Second}
		start := time.Now()
		_, err = c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Equal(t, start, rt.requests()[1].at, "the hold cannot be checked: one attempt learns the window")
		_, err = c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Equal(t, 5*time.Second, rt.requests()[2].at.Sub(start), "then the hold is followed")
		assert.Empty(t, w.trusted(), "the server bore the hold out")
	})
}

// TestAccountOneAttemptLearnsTheWindow: before a window is read, one
// attempt at a time goes to learn it; the Client's other attempts follow
// the account's hold for at most the second the learning attempt has, then
// ask again (here the account, repaired by its report, grants).
func TestAccountOneAttemptLearnsTheWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ok := reply(200, fixture(t, "create_200.json"), windowHeaders("9")...)
		// The learning attempt's response comes once the other attempt
		// is held: it has read no window when it meets the hold.
		rt := script(func(r *http.Request) (*http.Response, error) { synctest.Wait(); return ok(r) }, ok)
		acct := &fakeAccount{waits: []time.Duration{50 * time.Minute, 50 * time.Minute}}
		both := &meetingAccount{fakeAccount: acct, n: 2}
		c := newClient(t, rt, WithRateLimitAccount(both))
		start := time.Now()
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				_, err := c.Configurations.Create(context.Background(), validParams())
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		reqs := rt.requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, start, reqs[0].at, "one attempt goes at once to learn the window")
		assert.Equal(t, time.Second, reqs[1].at.Sub(start), "the other asks again after the learning attempt's second")
		assert.Len(t, acct.reserved, 3)
	})
}

// meetingAccount answers its first n Reserves only once all n are asked,
// so that n attempts meet the account's answer before any is sent.
type meetingAccount struct {
	*fakeAccount
	mu   sync.Mutex
	n    int
	met  chan struct{}
	seen int
}

func (a *meetingAccount) Reserve(ctx context.Context, b RateLimitBucket) (time.Duration, error) {
	a.mu.Lock()
	if a.met == nil {
		a.met = make(chan struct{})
	}
	met := a.met
	if a.seen++; a.seen == a.n {
		close(met)
	}
	a.mu.Unlock()
	<-met
	return a.fakeAccount.Reserve(ctx, b)
}

// TestAccountAloneRefusesNoCall: a hold of 20ms (the fleet learning its
// first window) leaves a call with a 100ms deadline less than
// MinAttemptTime. A Client that has read no window of the bucket does not
// refuse all such calls on the account's word alone: of three at once, one
// is sent at once, by its own view, to learn the window; the two others are
// refused unsent, as is the next one once the Client has read the window.
func TestAccountAloneRefusesNoCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ok := fixture(t, "create_200.json")
		rt := script(reply(200, ok, windowHeaders("9")...), reply(200, ok, windowHeaders("8")...))
		acct := &fakeAccount{waits: []time.Duration{20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond}}
		c, w, _ := watchedClient(t, rt, acct)
		start := time.Now()
		errs := make(chan error, 3)
		for range 3 {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				defer cancel()
				_, err := c.Configurations.Create(ctx, validParams())
				errs <- err
			}()
		}
		var sent, refused int
		for range 3 {
			err := <-errs
			var rl *RateLimitError
			switch {
			case err == nil:
				sent++
			case errors.As(err, &rl) && strings.Contains(err.Error(), "request not sent"):
				refused++
			default:
				t.Fatalf("unexpected: %v", err)
			}
		}
		assert.Equal(t, []int{1, 2}, []int{sent, refused}, "one learns the window; the others are refused")
		require.Len(t, rt.requests(), 1)
		assert.Equal(t, start, rt.requests()[0].at, "sent at once")
		assert.Empty(t, w.trusted(), "no change of trust")

		acct.waits = []time.Duration{20 * time.Millisecond}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := c.Configurations.Create(ctx, validParams())
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl, "refused: the Client has read the window")
		assert.Contains(t, err.Error(), "request not sent")
		assert.Len(t, rt.requests(), 1)
	})
}
