package freddy

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// WithHTTPClient with a nil Transport must not share http.DefaultTransport:
// Client.CloseIdleConnections would empty the process-wide pool.
func TestNilTransportIsAClonedDefaultTransport(t *testing.T) {
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(testBaseURL), WithHTTPClient(&http.Client{}))
	require.NoError(t, err)
	rt := c.core.transport
	require.NotSame(t, http.DefaultTransport, rt, "the SDK shares http.DefaultTransport")
	tr, ok := rt.(*http.Transport)
	require.True(t, ok, "transport is %T, want a clone of http.DefaultTransport", rt)
	def := http.DefaultTransport.(*http.Transport)
	require.Equal(t, def.MaxIdleConns, tr.MaxIdleConns)
	require.Equal(t, def.IdleConnTimeout, tr.IdleConnTimeout)
	require.NotNil(t, tr.Proxy, "the clone keeps ProxyFromEnvironment")
}
