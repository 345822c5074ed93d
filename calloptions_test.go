package freddy

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPerCallMaxRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(500, nil))
		c := newClient(t, rt, WithRetryBudget(100, 5))
		_, err := c.Configurations.Create(context.Background(), validParams(), WithMaxRetries(0))
		require.ErrorIs(t, err, ErrServer)
		assert.Len(t, rt.requests(), 1, "WithMaxRetries(0) on the call: one attempt")
		assert.Equal(t, 100, c.core.policy.Budget.Tokens(), "no retry, no token")

		_, err = c.Configurations.Create(context.Background(), validParams(), WithMaxRetries(4))
		require.ErrorIs(t, err, ErrServer)
		assert.Len(t, rt.requests(), 1+5, "WithMaxRetries(4) on the call: five attempts")
		assert.Equal(t, 80, c.core.policy.Budget.Tokens(), "the call's retries draw on the client's budget")

		_, err = c.Configurations.Create(context.Background(), validParams())
		require.ErrorIs(t, err, ErrServer)
		assert.Len(t, rt.requests(), 6+3, "the next call has the client's setting again")
		assert.Equal(t, 2, c.core.policy.MaxRetries, "the client's policy is untouched")
	})
}

func TestPerCallTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(hang, reply(200, fixture(t, "create_200.json")))
		c := newClient(t, rt, WithTimeout(10*time.Second))
		start := time.Now()
		_, err := c.Configurations.Create(context.Background(), validParams(), WithTimeout(time.Second))
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{time.Second + 500*time.Millisecond}, gaps(rt.requests()), "the call's 1s timeout, then the 500ms backoff")
		assert.Equal(t, 1500*time.Millisecond, time.Since(start))
	})
	synctest.Test(t, func(t *testing.T) {
		rt := script(hang)
		c := newClient(t, rt, WithTimeout(10*time.Second))
		_, err := c.Configurations.Get(context.Background(), "pconf_1", WithTimeout(2*time.Second), WithMaxRetries(0))
		var timeout interface{ Timeout() bool }
		require.ErrorAs(t, err, &timeout)
		assert.Contains(t, err.Error(), "attempt timed out after 2s (WithTimeout)")
		// The client's own timeout is unchanged for the next call.
		start := time.Now()
		_, err = c.Configurations.Get(context.Background(), "pconf_1", WithMaxRetries(0))
		require.ErrorAs(t, err, &timeout)
		assert.Equal(t, 10*time.Second, time.Since(start))
	})
}

func TestPerCallMaxRetryWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(429, body429("5")), reply(200, fixture(t, "create_200.json")))
		c := newClient(t, rt)
		var rl *RateLimitError
		_, err := c.Configurations.Create(context.Background(), validParams(), WithMaxRetryWait(time.Second))
		require.ErrorAs(t, err, &rl, "a 5s Retry-After exceeds the call's 1s max wait")
		assert.Len(t, rt.requests(), 1)
		_, err = c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err, "the client's 10s max wait sleeps it")
	})
	mt := newMock(t)
	_, err := newClient(t, mt).Configurations.Create(context.Background(), validParams(), WithMaxRetryWait(time.Millisecond))
	var pe *ParamError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "option WithMaxRetryWait", pe.Field)
	assert.Zero(t, mt.GetTotalCallCount())
}

func TestPerCallAPIKey(t *testing.T) {
	const tenantKey = "fk_live_TENANTKEY_9876543210"
	rt := script(reply(401, []byte(`{"error":{"code":"UNAUTHORIZED","message":"bad key `+tenantKey+` or `+strings.ToLower(tenantKey)+`"}}`)))
	c := newClient(t, rt, WithMaxRetries(0))
	var resp Response
	_, err := c.Configurations.Get(context.Background(), "pconf_1", WithAPIKey(tenantKey), WithResponseInto(&resp))
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.Equal(t, []string{tenantKey}, rt.requests()[0].header.Values("X-Api-Key"), "one key, the call's")
	assertNoWindow(t, tenantKey, err.Error())
	_, err = c.Configurations.Get(context.Background(), "pconf_1")
	require.Error(t, err)
	assert.Equal(t, []string{testAPIKey}, rt.requests()[1].header.Values("X-Api-Key"), "the next call sends the client's key")

	for _, bad := range []string{"", "key with space", "key\n", "k\x00y"} {
		mt := newMock(t)
		_, err := newClient(t, mt).Configurations.Create(context.Background(), validParams(), WithAPIKey(bad))
		var pe *ParamError
		require.ErrorAs(t, err, &pe, "%q", bad)
		assert.Equal(t, "option WithAPIKey", pe.Field)
		if len(bad) >= 8 {
			assertNoWindow(t, bad, err.Error())
		}
		assert.Zero(t, mt.GetTotalCallCount())
	}
}

// assertNoWindow fails when s holds 8 bytes in a row of secret, in any case.
func assertNoWindow(t *testing.T, secret, s string) {
	t.Helper()
	low := strings.ToLower(s)
	for i := 0; i+8 <= len(secret); i++ {
		w := strings.ToLower(secret[i : i+8])
		require.NotContains(t, low, w, "window %d of the secret leaked", i)
	}
}

func TestClientOnlyOptionsAreRefusedByACall(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  RequestOption
	}{
		{"WithHTTPClient", WithHTTPClient(&http.Client{})},
		{"WithBaseURL", WithBaseURL("https://other.example")},
		{"WithRetryWait", WithRetryWait(time.Second, 2*time.Second)},
		{"WithRetryBudget", WithRetryBudget(10, 5)},
		{"WithUserAgent", WithUserAgent("x/1")},
		{"WithLogger", WithLogger(nil)},
		{"WithRootCAs", WithRootCAs(x509.NewCertPool())},
		{"WithInsecureHTTP", WithInsecureHTTP("freddy-emulator")},
	} {
		mt := newMock(t)
		var resp Response
		_, err := newClient(t, mt).Configurations.Create(context.Background(), validParams(), tt.opt, WithResponseInto(&resp))
		var pe *ParamError
		require.ErrorAs(t, err, &pe, tt.name)
		assert.Equal(t, "option "+tt.name, pe.Field)
		assert.Equal(t, "freddy: invalid params: option "+tt.name+" configures the Client and cannot be given to one call; pass it to NewClient", err.Error())
		assert.ErrorIs(t, err, ErrInvalidParams)
		assert.Zero(t, mt.GetTotalCallCount())
	}
	// An option that forgot to say it is client-only is refused too, not
	// silently ignored: the call checks that no client setting was written.
	unmarked := Option(func(c *config) error { c.userAgent = "x/1"; return nil })
	mt := newMock(t)
	_, err := newClient(t, mt).Configurations.Create(context.Background(), validParams(), unmarked)
	assert.EqualError(t, err, "freddy: invalid params: option configures the Client and cannot be given to one call; pass it to NewClient")
	assert.Zero(t, mt.GetTotalCallCount())
	// A bad value given to a call is a *ParamError naming the option.
	_, err = newClient(t, newMock(t)).Configurations.Get(context.Background(), "pconf_1", WithMaxRetries(-1))
	assert.EqualError(t, err, "freddy: invalid params: option WithMaxRetries(-1): must not be negative")
	assert.ErrorIs(t, err, ErrInvalidParams)
}

func TestCallOnlyOptionsAreRefusedByNewClient(t *testing.T) {
	for name, opt := range map[string]Option{
		"WithHeader":         WithHeader("X-Trace", "1"),
		"WithIdempotencyKey": WithIdempotencyKey("k"),
		"WithResponseInto":   WithResponseInto(&Response{}),
	} {
		_, err := NewClient(WithAPIKey(testAPIKey), opt)
		assert.EqualError(t, err, "freddy: "+name+" configures one call; pass it to the method, not to NewClient")
	}
	// The shared options still configure the client.
	c, err := NewClient(WithAPIKey(testAPIKey), WithMaxRetries(0), WithTimeout(time.Second), WithMaxRetryWait(time.Second))
	require.NoError(t, err)
	assert.Equal(t, 0, c.core.policy.MaxRetries)
	assert.Equal(t, time.Second, c.core.policy.MaxWait)
}

func TestWithHeaderRefusesSDKOwnedHeaders(t *testing.T) {
	for _, tt := range []struct{ key, value, field string }{
		{"Authorization", "Bearer x", "header Authorization"},
		{"authorization", "Basic x", "header Authorization"},
		{"Cookie", "a=b", "header Cookie"},
		{"X-API-Key", "other", "header X-Api-Key"},
		{"Transfer-Encoding", "chunked", "header Transfer-Encoding"},
		{"Connection", "close", "header Connection"},
		{"X-Nul", "a\x00b", "header X-Nul"},
		{"X-Lf", "a\nb", "header X-Lf"},
		{"X-Cr", "a\rb", "header X-Cr"},
		{"X\x00Nul", "v", `header "X\x00Nul"`},
		{"X:Colon", "v", `header "X:Colon"`},
		{"X(Paren)", "v", `header "X(Paren)"`},
		{"Ünicode", "v", `header "Ünicode"`},
	} {
		mt := newMock(t)
		_, err := newClient(t, mt).Configurations.Get(context.Background(), "pconf_1", WithHeader(tt.key, tt.value))
		var pe *ParamError
		require.ErrorAs(t, err, &pe, tt.key)
		assert.Equal(t, tt.field, pe.Field)
		assert.True(t, errors.Is(err, ErrInvalidParams))
		assert.Zero(t, mt.GetTotalCallCount(), "nothing sent for %q", tt.key)
	}
	// A tab and non-ASCII bytes are valid in a value, as net/http allows.
	rt := script(reply(200, fixture(t, "get_200.json")))
	_, err := newClient(t, rt).Configurations.Get(context.Background(), "pconf_1", WithHeader("X-Note", "a\tb ü"))
	require.NoError(t, err)
	assert.Equal(t, "a\tb ü", rt.requests()[0].header.Get("X-Note"))
}

// WithRateLimitPacing given to one call turns pacing off (or on) for that
// call alone: unpaced, it goes at once into a spent window and its 429
// waits its Retry-After plus jitter; its responses still feed the view, and
// the Client's next paced call is held by what they said.
func TestPerCallRateLimitPacing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newWindowRT(t, 1, time.Second)
		c := newClient(t, rt, withJitter(0.5))
		spend(t, c, 1)
		require.Zero(t, c.RateLimit().Remaining)
		start := time.Now()
		_, err := c.Configurations.Create(context.Background(), validParams(), WithRateLimitPacing(false))
		require.NoError(t, err)
		times := rt.times()
		require.Len(t, times, 3, "sent at once, refused, retried")
		assert.Equal(t, start, times[1], "not held")
		assert.Equal(t, time.Second+DefaultRetryWaitMin/4, times[2].Sub(start), "its 429 waits Retry-After plus jitter, as unpaced")
		assert.Zero(t, c.RateLimit().Remaining, "its responses fed the view")

		start = time.Now()
		_, err = c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Equal(t, time.Second, time.Since(start), "the next paced call is held until the reset the unpaced call's response gave")
		assert.Equal(t, int64(1), rt.ws.refused.Load(), "only the unpaced call met a 429")
	})
	synctest.Test(t, func(t *testing.T) {
		rt := newWindowRT(t, 1, time.Second)
		c := newClient(t, rt, WithRateLimitPacing(false))
		spend(t, c, 1)
		start := time.Now()
		_, err := c.Configurations.Create(context.Background(), validParams(), WithRateLimitPacing(true))
		require.NoError(t, err)
		assert.Equal(t, time.Second, time.Since(start), "paced for this call: held until the reset")
		assert.Zero(t, rt.ws.refused.Load())
	})
}
