package freddy

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Names that servers merging "_" and "-" read as a reserved header, and
// Proxy-Authorization, are refused before anything is sent.
func TestWithHeaderRefusesNearCopiesOfReservedNames(t *testing.T) {
	for _, key := range []string{"X_API_KEY", "X-Api_Key", "x_api-key", "Idempotency_Key", "Content_Length",
		"Proxy-Authorization", "proxy_authorization"} {
		mt := newMock(t)
		_, err := newClient(t, mt).Configurations.Get(context.Background(), "pconf_1", WithHeader(key, "v"))
		var pe *ParamError
		require.ErrorAs(t, err, &pe, key)
		assert.Contains(t, pe.Field, "header ", key)
		assert.True(t, errors.Is(err, ErrInvalidParams))
		assert.Zero(t, mt.GetTotalCallCount(), "nothing sent for %q", key)
	}
	rt := script(reply(200, fixture(t, "get_200.json")))
	_, err := newClient(t, rt).Configurations.Get(context.Background(), "pconf_1", WithHeader("X_Trace_Id", "1"))
	require.NoError(t, err, "an underscore in another name is fine")
	assert.Equal(t, "1", rt.requests()[0].header.Get("X_trace_id"))
}

// Connection-specific headers net/http refuses over HTTP/2 are refused up
// front, naming the header, rather than failing and retrying every attempt
// on an HTTP/2 connection; TE: trailers is the one allowed.
func TestWithHeaderRefusesConnectionSpecificHeaders(t *testing.T) {
	for _, h := range [][2]string{{"Upgrade", "websocket"}, {"upgrade", "h2c"}, {"Keep-Alive", "timeout=5"},
		{"Proxy-Connection", "keep-alive"}, {"TE", "gzip"}, {"Connection", "close"}, {"Transfer-Encoding", "chunked"}} {
		rt := script(reply(200, fixture(t, "get_200.json")))
		_, err := newClient(t, rt).Configurations.Get(context.Background(), "pconf_1", WithHeader(h[0], h[1]))
		var pe *ParamError
		require.ErrorAs(t, err, &pe, h[0])
		assert.Equal(t, "header "+http.CanonicalHeaderKey(h[0]), pe.Field)
		assert.Empty(t, rt.requests(), "nothing sent for %q", h[0])
	}
	rt := script(reply(200, fixture(t, "get_200.json")))
	_, err := newClient(t, rt).Configurations.Get(context.Background(), "pconf_1", WithHeader("TE", "trailers"))
	require.NoError(t, err)
	assert.Equal(t, "trailers", rt.requests()[0].header.Get("Te"))
}

// Over a real HTTP/2 connection, an Upgrade header is refused before the
// call, not by net/http on each attempt.
func TestWithHeaderUpgradeOverHTTP2(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(fixture(t, "get_200.json"))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithMaxRetries(0))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	_, err = c.Configurations.Get(context.Background(), "pconf_1")
	require.NoError(t, err, "the server speaks HTTP/2")
	_, err = c.Configurations.Get(context.Background(), "pconf_1", WithHeader("Upgrade", "websocket"))
	require.ErrorIs(t, err, ErrInvalidParams)
	assert.Contains(t, err.Error(), "header Upgrade")
}
