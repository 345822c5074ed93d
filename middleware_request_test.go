package freddy

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A middleware that edits a header value in place changes that attempt's
// request only: not the Client's header template, not its API key.
func TestMiddlewareInPlaceHeaderEditStaysWithItsRequest(t *testing.T) {
	rt := script(reply(200, fixture(t, "get_200.json")))
	edit := func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		for _, k := range []string{"X-Api-Key", "User-Agent", "Accept"} {
			if v := r.Header[k]; len(v) > 0 {
				v[0] = "edited"
			}
		}
		return next(r)
	}
	c := newClient(t, rt)
	// The key's edit fails that call (HeaderChangedError), after the edit.
	_, err := c.Configurations.Get(context.Background(), "pconf_1", WithMiddleware(edit))
	var hc *HeaderChangedError
	require.ErrorAs(t, err, &hc)
	_, err = c.Configurations.Get(context.Background(), "pconf_1")
	require.NoError(t, err)
	reqs := rt.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, testAPIKey, reqs[0].header.Get("X-Api-Key"), "the next call sends the Client's own key")
	for _, k := range []string{"User-Agent", "Accept"} {
		assert.NotEqual(t, "edited", reqs[0].header.Get(k), "%s: the next call sends the Client's own value", k)
		assert.NotEmpty(t, reqs[0].header.Get(k), k)
	}
}

// Concurrent calls whose middleware edits header values in place do not
// race (run with -race).
func TestMiddlewareInPlaceHeaderEditConcurrent(t *testing.T) {
	rt := script(reply(200, fixture(t, "get_200.json")))
	edit := func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		r.Header["User-Agent"][0] = "edited"
		r.Header["Accept"][0] = "edited"
		return next(r)
	}
	c := newClient(t, rt, WithMiddleware(edit))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := c.Configurations.Get(context.Background(), "pconf_1")
			assert.NoError(t, err)
		})
	}
	wg.Wait()
}

// Each attempt's middleware starts from the SDK's own request: what a
// middleware added to one attempt's header or URL is not in the next.
func TestMiddlewareEachAttemptStartsFresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(500, nil), reply(500, nil), reply(200, fixture(t, "list_200.json")))
		sign := func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
			info, _ := AttemptFromContext(r.Context())
			r.Header.Add("X-Signature", "sig-"+strconv.Itoa(info.Index))
			q := r.URL.Query()
			q.Add("attempt", strconv.Itoa(info.Index))
			r.URL.RawQuery = q.Encode()
			return next(r)
		}
		_, err := newClient(t, rt, WithMiddleware(sign)).Configurations.List(context.Background(), ListConfigurationsParams{})
		require.NoError(t, err)
		reqs := rt.requests()
		require.Len(t, reqs, 3)
		for i, r := range reqs {
			assert.Equal(t, []string{"sig-" + strconv.Itoa(i)}, r.header.Values("X-Signature"), "attempt %d", i)
			assert.Equal(t, "attempt="+strconv.Itoa(i), r.query, "attempt %d", i)
		}
	})
}
