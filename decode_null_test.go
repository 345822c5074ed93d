package freddy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// "The Create page's spelling wins when both come" holds when that spelling
// is null: the snake_case twin's value is stale and must not show through.
func TestCreatePagesNullWinsOverItsTwin(t *testing.T) {
	body := []byte(`{"id":"pconf_1","apiKeyId":null,"api_key_id":"key_stale","lastSyncAt":null,` +
		`"last_sync_at":"2025-01-01T00:00:00Z","lastError":null,"last_error":"stale failure"}`)
	c, derr := decodeConfiguration(body)
	require.Nil(t, derr)
	require.Nil(t, c.APIKeyID, "apiKeyId")
	require.Nil(t, c.LastSyncAt, "lastSyncAt")
	require.Nil(t, c.LastError, "lastError")

	// Absent, the twin is read.
	c, derr = decodeConfiguration([]byte(`{"id":"pconf_1","api_key_id":"key_1","last_sync_at":"2025-01-01T00:00:00Z","last_error":"boom"}`))
	require.Nil(t, derr)
	require.Equal(t, "key_1", *c.APIKeyID)
	require.Equal(t, "boom", *c.LastError)
	require.Equal(t, 2025, c.LastSyncAt.Year())

	// And a round trip through json.Marshal keeps null as null.
	out, err := c.MarshalJSON()
	require.NoError(t, err)
	var back Configuration
	require.NoError(t, back.UnmarshalJSON(out))
	require.Equal(t, "key_1", *back.APIKeyID)
}
