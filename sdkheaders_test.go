package freddy

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A middleware that changes, removes or re-spells an SDK-owned header
// fails its attempt: nothing is sent, nothing retried, and the error names
// the header, not the value.
func TestMiddlewareChangingAnSDKOwnedHeaderFailsTheAttempt(t *testing.T) {
	const mwKey = "fk_from_middleware_0123456789"
	for name, tt := range map[string]struct {
		edit   func(http.Header)
		header string
	}{
		"key replaced":         {func(h http.Header) { h.Set("X-API-Key", mwKey) }, "X-Api-Key"},
		"key removed":          {func(h http.Header) { h.Del("X-Api-Key") }, "X-Api-Key"},
		"key edited in place":  {func(h http.Header) { h["X-Api-Key"][0] = mwKey }, "X-Api-Key"},
		"key under underscore": {func(h http.Header) { h["X_API_KEY"] = []string{mwKey} }, "X-Api-Key"},
		"key non-canonical":    {func(h http.Header) { h["X-API-KEY"] = []string{mwKey} }, "X-Api-Key"},
		"idempotency removed":  {func(h http.Header) { h.Del("Idempotency-Key") }, "Idempotency-Key"},
		"idempotency replaced": {func(h http.Header) { h.Set("Idempotency-Key", "other") }, "Idempotency-Key"},
	} {
		t.Run(name, func(t *testing.T) {
			rt := script(reply(200, fixture(t, "create_200.json")))
			runs := 0
			mw := func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
				runs++
				tt.edit(r.Header)
				return next(r)
			}
			obs := &recordingObserver{}
			var resp Response
			_, err := newClient(t, rt, WithObserver(obs)).Configurations.Create(context.Background(), validParams(), WithMiddleware(mw), WithResponseInto(&resp))
			var hc *HeaderChangedError
			require.ErrorAs(t, err, &hc)
			assert.Equal(t, tt.header, hc.Header)
			assert.Contains(t, err.Error(), "freddy: Create: ")
			assert.Contains(t, err.Error(), tt.header)
			assert.NotContains(t, err.Error(), mwKey)
			requireNoSecret(t, err.Error())
			var re *RequestError
			require.True(t, errors.As(err, &re))
			assert.Equal(t, 1, runs, "not retried")
			assert.Empty(t, rt.requests(), "not sent")
			// Nothing reached the server: no attempt is counted anywhere.
			assert.Zero(t, re.Attempts)
			assert.Zero(t, resp.Attempts)
			require.Len(t, obs.results, 1)
			assert.Zero(t, obs.results[0].Attempts)
			assert.Empty(t, obs.attempts, "the Observer saw no attempt")
			assert.Contains(t, err.Error(), "request not sent")
			assert.NotContains(t, err.Error(), "after 1 attempt")
		})
	}
	// Leaving them as they are, or setting the same value again, is fine.
	rt := script(reply(200, fixture(t, "create_200.json")))
	same := func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		r.Header.Set("X-Api-Key", r.Header.Get("X-Api-Key"))
		r.Header.Set("X-Other", "1")
		return next(r)
	}
	_, err := newClient(t, rt).Configurations.Create(context.Background(), validParams(), WithMiddleware(same))
	require.NoError(t, err)
}
