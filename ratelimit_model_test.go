package freddy

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cases of issue 21 (defects 1-4, 6 and 7), each deterministic in a
// synctest bubble; the rules themselves are tested in internal/ratelimit.

// gatewayRT answers request number at (counting from 1) with a gateway's
// bare 429 (only Retry-After) and every other request from next.
type gatewayRT struct {
	next       http.RoundTripper
	at         int32
	retryAfter string
	n          atomic.Int32
}

func (g *gatewayRT) RoundTrip(r *http.Request) (*http.Response, error) {
	if g.n.Add(1) == g.at {
		resp := response(http.StatusTooManyRequests, []byte("<html>slow down</html>"), "Content-Type", "text/html", "Retry-After", g.retryAfter)
		resp.Request = r
		return resp, nil
	}
	return g.next.RoundTrip(r)
}

// TestGatewayBare429HoldsOnlyItsCall (defect 1): a 429 with only
// Retry-After: 1800 is that call's answer; every later call goes at once.
func TestGatewayBare429HoldsOnlyItsCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &gatewayRT{next: newWindowRT(t, 100, time.Second), at: 2, retryAfter: "1800"}
		c := newClient(t, rt)
		spend(t, c, 1)
		_, err := c.Configurations.Create(context.Background(), validParams())
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.Equal(t, http.StatusTooManyRequests, rl.StatusCode)
		start := time.Now()
		for range 3 {
			_, err = c.Configurations.Create(context.Background(), validParams())
			require.NoError(t, err)
			_, err = c.Configurations.List(context.Background(), ListConfigurationsParams{})
			require.NoError(t, err)
		}
		assert.Zero(t, time.Since(start), "no later call is held")
		// 93 by the server; the request the gateway answered was counted as
		// sent.
		assert.Equal(t, 92, c.RateLimit().Remaining, "the view is the server's, untouched by the gateway")
	})
}

// TestGatewayRetryAfterDoesNotChangeTheWindowLength (defect 2): 100ms
// windows of 5, one gateway 429 with Retry-After: 1, and the Client still
// sends 5 per 100ms afterwards.
func TestGatewayRetryAfterDoesNotChangeTheWindowLength(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &gatewayRT{next: newWindowRT(t, 5, 100*time.Millisecond), at: 3, retryAfter: "1"}
		c := newClient(t, rt, WithMaxRetries(0))
		spend(t, c, 2)
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.ErrorIs(t, err, ErrRateLimited)
		time.Sleep(100 * time.Millisecond)
		start := time.Now()
		for range 50 {
			_, err := c.Configurations.Create(context.Background(), validParams())
			require.NoError(t, err)
		}
		assert.LessOrEqual(t, time.Since(start), time.Second, "50 calls at 5 per 100ms take ten windows")
	})
}

// TestPerEndpointWindowsKeptApart (defect 3): one window per endpoint, 5
// per 10s each: one Create and four Lists, then the fifth List and the next
// Create go at once.
func TestPerEndpointWindowsKeptApart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newWindowRT(t, 5, 10*time.Second)
		rt.ws.perEndpoint = true
		c := newClient(t, rt)
		start := time.Now()
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		for range 5 {
			time.Sleep(time.Millisecond) // each call after the last answer
			_, err = c.Configurations.List(context.Background(), ListConfigurationsParams{})
			require.NoError(t, err)
		}
		_, err = c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Equal(t, 5*time.Millisecond, time.Since(start), "no call held: each endpoint's window had room")
		assert.Zero(t, rt.ws.refused.Load())
		assert.True(t, c.core.pacer.Split(c.core.keyHash))
	})
}

// TestAnotherKeysWindowDoesNotHoldTheClientsKey (defect 4): a call with
// another tenant's key whose window is spent does not hold the Client's
// own key's calls.
func TestAnotherKeysWindowDoesNotHoldTheClientsKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ok := fixture(t, "create_200.json")
		rt := script(func(r *http.Request) (*http.Response, error) {
			remaining := "9"
			if r.Header.Get("X-Api-Key") != testAPIKey {
				remaining = "0"
			}
			return response(200, ok, "X-Ratelimit-Limit-Requests", "10", "X-Ratelimit-Remaining-Requests", remaining, "X-Ratelimit-Reset-Requests", "30s"), nil
		})
		c := newClient(t, rt)
		_, err := c.Configurations.Create(context.Background(), validParams(), WithAPIKey("fk_live_OTHERTENANT_99999"))
		require.NoError(t, err)
		start := time.Now()
		for range 3 {
			_, err = c.Configurations.Create(context.Background(), validParams())
			require.NoError(t, err)
		}
		assert.Zero(t, time.Since(start), "the Client's own key had room")
		_, err = c.Configurations.Create(context.Background(), validParams(), WithAPIKey("fk_live_OTHERTENANT_99999"), WithMaxRetryWait(10*time.Second))
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl, "the other key's window is its own, and spent")
		assert.Zero(t, rl.StatusCode)
		assert.Equal(t, 10, c.RateLimit().Limit)
		assert.Positive(t, c.RateLimit().Remaining, "RateLimit reports the Client's own key")
	})
}

// TestDeadlineAtTheResetNotSent (defect 6): a call whose turn comes exactly
// at its deadline is not sent.
func TestDeadlineAtTheResetNotSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newWindowRT(t, 1, time.Second)
		c := newClient(t, rt)
		spend(t, c, 1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := c.Configurations.Create(ctx, validParams())
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.Contains(t, err.Error(), "request not sent")
		assert.Len(t, rt.times(), 1)
	})
}

// TestRetryRefusedByThePacerKeepsItsAnswer (defects 6 and 7): a retry whose
// turn would leave less than MinAttemptTime before the deadline is not
// sent, and the call returns its 500 at once, with RetryAfter.
func TestRetryRefusedByThePacerKeepsItsAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(500, fixture(t, "error_500.json"), "X-Ratelimit-Limit-Requests", "10",
			"X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "1880ms"), reply(200, fixture(t, "create_200.json")))
		c := newClient(t, rt)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.Configurations.Create(ctx, validParams())
		var se *ServerError
		require.ErrorAs(t, err, &se, "the 500 it got, not a refusal")
		assert.ErrorIs(t, err, ErrServer)
		assert.Equal(t, 500, se.StatusCode)
		assert.NotEmpty(t, se.TraceID)
		assert.Equal(t, 1, se.Attempts)
		assert.Positive(t, se.RetryAfter, "the wait pacing asked")
		assert.True(t, start.Add(1880*time.Millisecond).Equal(time.Now().Add(se.RetryAfter)), "to the reset")
		assert.Len(t, rt.requests(), 1)
		assert.Less(t, time.Since(start), 2*time.Second-MinAttemptTime)
		assert.False(t, errors.Is(err, context.DeadlineExceeded))
	})
}

// TestRetryRefusedByThePacerIsRefusedBeforeItsBackoff: a 500 whose headers
// say the window is spent for 30s, further than the max retry wait: the
// retry's turn would be refused, so the call returns its 500 at once, with
// RetryAfter the time to the reset, without sleeping the backoff first.
func TestRetryRefusedByThePacerIsRefusedBeforeItsBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(500, fixture(t, "error_500.json"), "X-Ratelimit-Limit-Requests", "10",
			"X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "30s"), reply(200, fixture(t, "create_200.json")))
		c := newClient(t, rt)
		start := time.Now()
		_, err := c.Configurations.Create(context.Background(), validParams())
		var se *ServerError
		require.ErrorAs(t, err, &se, "the 500 it got, not a refusal")
		assert.Equal(t, 30*time.Second, se.RetryAfter, "to the reset")
		assert.Zero(t, time.Since(start), "at once: no backoff slept before the refusal")
		assert.Len(t, rt.requests(), 1)
	})
}
