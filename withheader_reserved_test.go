package freddy

import (
	"context"
	"errors"
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
