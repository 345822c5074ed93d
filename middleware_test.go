package freddy

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trail records what each middleware saw, in order.
type trail struct{ seen []string }

func (tr *trail) mw(name string) Middleware {
	return func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		info, ok := AttemptFromContext(r.Context())
		if !ok {
			tr.seen = append(tr.seen, name+": no attempt")
		}
		tr.seen = append(tr.seen, name+" "+info.Operation+" "+info.ConfigurationID+" "+info.IdempotencyKey+" #"+string(rune('0'+info.Index)))
		r.Header.Set("X-"+name, "1")
		return next(r)
	}
}

func TestMiddlewareRunsOncePerAttemptClientFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(500, nil), reply(200, fixture(t, "create_200.json")))
		var tr trail
		c := newClient(t, rt, WithMiddleware(tr.mw("client1"), nil, tr.mw("client2")))
		_, err := c.Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("idem-mw"), WithMiddleware(tr.mw("call")))
		require.NoError(t, err)
		assert.Equal(t, []string{
			"client1 Create  idem-mw #0", "client2 Create  idem-mw #0", "call Create  idem-mw #0",
			"client1 Create  idem-mw #1", "client2 Create  idem-mw #1", "call Create  idem-mw #1",
		}, tr.seen)
		for _, r := range rt.requests() {
			assert.Equal(t, "1", r.header.Get("X-Client1"), "a header middleware sets is sent")
			assert.Equal(t, "1", r.header.Get("X-Call"))
		}

		tr.seen = nil
		_, err = c.Configurations.Get(context.Background(), "pconf_1")
		require.NoError(t, err)
		assert.Equal(t, []string{"client1 Get pconf_1  #0", "client2 Get pconf_1  #0"}, tr.seen, "per-call middleware stays with its call")
	})
}

func TestMiddlewareRunsOnceAcrossRedirects(t *testing.T) {
	rt := script(reply(307, nil, "Location", testEndpoint+"/pconf_2"), reply(200, fixture(t, "get_200.json")))
	var tr trail
	_, err := newClient(t, rt).Configurations.Get(context.Background(), "pconf_1", WithMiddleware(tr.mw("call")))
	require.NoError(t, err)
	assert.Len(t, rt.requests(), 2, "the redirect was followed")
	assert.Equal(t, []string{"call Get pconf_1  #0"}, tr.seen, "one attempt, one run")
}

func TestMiddlewareErrorIsTheAttemptsTransportError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errDenied := errors.New("denied by policy")
		runs := 0
		leaky := func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
			runs++
			return nil, errors.New("no: key " + r.Header.Get("X-Api-Key") + " refused")
		}
		rt := script(reply(200, fixture(t, "create_200.json")))
		c := newClient(t, rt)

		_, err := c.Configurations.Create(context.Background(), validParams(), WithMiddleware(leaky))
		var re *RequestError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 3, runs, "retried like a transport error")
		assert.Zero(t, re.Attempts, "no attempt was sent")
		assert.Empty(t, rt.requests(), "the middleware sent nothing")
		assertNoWindow(t, testAPIKey, err.Error())
		assert.Regexp(t, `^freddy: Create: request not sent: Post "https://api.test.invalid/v1/personal-connectors/configurations": no: key \S+ refused$`, err.Error())

		_, err = c.Configurations.Get(context.Background(), "pconf_1", WithMaxRetries(0), WithMiddleware(func(*http.Request, MiddlewareNext) (*http.Response, error) {
			return nil, errDenied
		}))
		assert.ErrorIs(t, err, errDenied, "a cause without a secret stays reachable")

		_, err = c.Configurations.Get(context.Background(), "pconf_1", WithMaxRetries(0), WithMiddleware(func(*http.Request, MiddlewareNext) (*http.Response, error) {
			return nil, nil
		}))
		assert.EqualError(t, err, `freddy: Get pconf_1: request not sent: Get "https://api.test.invalid/v1/personal-connectors/configurations/pconf_1": middleware returned neither a response nor an error`)

		// A middleware may answer by itself; its response is judged like the server's.
		_, err = c.Configurations.Get(context.Background(), "pconf_1", WithMaxRetries(0), WithMiddleware(func(r *http.Request, _ MiddlewareNext) (*http.Response, error) {
			resp := response(404, fixture(t, "error_404_short.json"))
			resp.Request = r
			return resp, nil
		}))
		assert.ErrorIs(t, err, ErrNotFound)
		assert.Empty(t, rt.requests())
	})
}

func TestAttemptFromContextOutsideACall(t *testing.T) {
	_, ok := AttemptFromContext(context.Background())
	assert.False(t, ok)
}

func TestErrorsNameTheOperationAndID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(500, fixture(t, "error_500.json")))
		c := newClient(t, rt)
		_, err := c.Configurations.Test(context.Background(), "pconf_abc123")
		assert.EqualError(t, err, "freddy: Test pconf_abc123: 500 INTERNAL_SERVER_ERROR: An unexpected error occurred. Please try again later. (3 attempts, trace_id req_jkl012)")
		var se *ServerError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "Test", se.Operation)
		assert.Equal(t, "pconf_abc123", se.ConfigurationID)

		for name, call := range map[string]func() error{
			"freddy: Create: 500": func() error { _, err := c.Configurations.Create(context.Background(), validParams()); return err },
			"freddy: List: 500": func() error {
				_, err := c.Configurations.List(context.Background(), ListConfigurationsParams{})
				return err
			},
			"freddy: Get pconf_1: 500": func() error { _, err := c.Configurations.Get(context.Background(), "pconf_1"); return err },
			"freddy: Update pconf_1: 500": func() error {
				_, err := c.Configurations.Update(context.Background(), "pconf_1", UpdateConfigurationParams{Name: String("n")})
				return err
			},
			"freddy: SetEnabled pconf_1: 500": func() error { _, err := c.Configurations.SetEnabled(context.Background(), "pconf_1", true); return err },
			"freddy: Delete pconf_1: 500":     func() error { return c.Configurations.Delete(context.Background(), "pconf_1") },
		} {
			err := call()
			require.Error(t, err)
			assert.Equal(t, name+" INTERNAL_SERVER_ERROR: An unexpected error occurred. Please try again later. (3 attempts, trace_id req_jkl012)", err.Error())
		}
	})
	rt := script(reply(200, []byte("not json")))
	_, err := newClient(t, rt).Configurations.Get(context.Background(), "pconf_9")
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Regexp(t, `^freddy: Get pconf_9: 200 response is not valid JSON: `, err.Error())
}
