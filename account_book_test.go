package freddy

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAccountGrantedSendsAreBookedInTheOwnView: each send the account
// grants is counted in the Client's own view too, so that when the account
// stops answering, the attempt paced by the view alone does not see room
// the fleet already spent (here: the view's last report said 3 left, and
// three sends since were granted by the account; the fourth, paced by the
// view, waits for the reset and its deadline refuses it unsent). A granted
// send that is then not sent (a Limiter refused it) gives its booking back.
func TestAccountGrantedSendsAreBookedInTheOwnView(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ok := fixture(t, "create_200.json")
		rt := script(reply(200, ok, "X-Ratelimit-Limit-Requests", "4", "X-Ratelimit-Remaining-Requests", "3", "X-Ratelimit-Reset-Requests", "10s"),
			reply(200, ok))
		acct := &fakeAccount{}
		refuse := false
		c := newClient(t, rt, WithRateLimitAccount(acct), WithLimiter(limiterFunc(func(context.Context) error {
			if refuse {
				return errors.New("store says no")
			}
			return nil
		})))
		spend(t, c, 1)
		require.Equal(t, 3, c.RateLimit().Remaining)

		refuse = true
		_, err := c.Configurations.Create(context.Background(), validParams(), WithMaxRetries(0))
		require.ErrorIs(t, err, ErrRateLimited)
		assert.Equal(t, 3, c.RateLimit().Remaining, "granted, then not sent: its booking given back")
		refuse = false

		spend(t, c, 3)
		assert.Zero(t, c.RateLimit().Remaining, "the account's grants are counted in the view")

		acct.set(errors.New("store down"), nil)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err = c.Configurations.Create(ctx, validParams())
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl, "paced by the view, spent until the reset")
		assert.Zero(t, rl.StatusCode)
		assert.Len(t, rt.requests(), 4)
	})
}

// slowAccount answers each call after delay.
type slowAccount struct {
	fakeAccount
	delay time.Duration
}

func (a *slowAccount) Reserve(ctx context.Context, b RateLimitBucket) (time.Duration, error) {
	if err := a.wait(ctx); err != nil {
		return 0, err
	}
	return a.fakeAccount.Reserve(ctx, b)
}

func (a *slowAccount) Observe(ctx context.Context, b RateLimitBucket, w RateLimitWindow) error {
	if err := a.wait(ctx); err != nil {
		return err
	}
	return a.fakeAccount.Observe(ctx, b, w)
}

// wait is the account's delay, cut short by its context, as a store's
// client honours it.
func (a *slowAccount) wait(ctx context.Context) error {
	t := time.NewTimer(a.delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// boundedAccount names its bound (RateLimitAccountTimeout).
type boundedAccount struct {
	*slowAccount
	bound time.Duration
}

func (a *boundedAccount) AccountTimeout() time.Duration { return a.bound }

// TestAccountNamesItsOwnBound: an account that implements
// RateLimitAccountTimeout is given that long per call, so one answering in
// 120ms (over DefaultAccountTimeout) stays trusted; without it, or with a
// bound <= 0, DefaultAccountTimeout applies and the same account is not
// trusted.
func TestAccountNamesItsOwnBound(t *testing.T) {
	for _, tc := range []struct {
		name    string
		acct    func(slow *slowAccount) RateLimitAccount
		trusted bool
	}{
		{"default bound", func(s *slowAccount) RateLimitAccount { return s }, false},
		{"its own 200ms", func(s *slowAccount) RateLimitAccount { return &boundedAccount{s, 200 * time.Millisecond} }, true},
		{"its own 0 keeps the default", func(s *slowAccount) RateLimitAccount { return &boundedAccount{s, 0} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(reply(200, fixture(t, "create_200.json")))
				w := &trustWatcher{}
				c := newClient(t, rt, WithRateLimitAccount(tc.acct(&slowAccount{delay: 120 * time.Millisecond})), WithObserver(w))
				start := time.Now()
				_, err := c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				synctest.Wait()
				if tc.trusted {
					assert.Empty(t, w.trusted())
					assert.Equal(t, 120*time.Millisecond, rt.requests()[0].at.Sub(start), "sent on the account's answer")
					return
				}
				assert.Equal(t, []bool{false}, w.trusted())
				assert.Equal(t, DefaultAccountTimeout, rt.requests()[0].at.Sub(start), "sent by the own view at the default bound")
			})
		})
	}
}
