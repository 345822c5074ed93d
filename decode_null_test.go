package freddy

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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

// A list page's own spelling wins when it is null, by the same mechanism:
// the stale snake_case twin never shows; the page falls back to its items.
func TestListPagesNullWinsOverItsTwin(t *testing.T) {
	for _, body := range []string{
		`{"data":[{"id":"pconf_1"},{"id":"pconf_2"}],"lastId":null,"last_id":"stale","firstId":null,"first_id":"stale","hasMore":null,"has_more":true}`,
		`{"success":true,"data":{"object":"list","data":[{"id":"pconf_1"},{"id":"pconf_2"}],"last_id":"stale","lastId":null,"first_id":"stale","firstId":null,"has_more":true,"hasMore":null}}`,
	} {
		p, derr := decodeList([]byte(body), 20)
		require.Nil(t, derr, body)
		require.Equal(t, "pconf_1", p.FirstID, body)
		require.Equal(t, "pconf_2", p.LastID, body)
		require.False(t, p.HasMore, "2 items under a limit of 20: "+body)
	}
	// Absent, the twin is read.
	p, derr := decodeList([]byte(`{"data":[{"id":"pconf_1"}],"first_id":"f","last_id":"l","has_more":true}`), 20)
	require.Nil(t, derr)
	require.Equal(t, "f", p.FirstID)
	require.Equal(t, "l", p.LastID)
	require.True(t, p.HasMore)
}

// TestNullableDecodesAsEncodingJSONDoes: the fast paths for strings, bools
// and Unmarshalers read every value exactly as json.Unmarshal would.
func TestNullableDecodesAsEncodingJSONDoes(t *testing.T) {
	decodesAsJSON(t, func(a, b string) bool { return a == b },
		`"plain"`, `""`, `"tab\there"`, `"quote\"d"`, `"é"`, "\"\xff\"", `"\u00e9"`, `"a/b"`, `5`, `"x`)
	decodesAsJSON(t, func(a, b bool) bool { return a == b }, `true`, `false`, `"true"`, `1`)
	decodesAsJSON(t, time.Time.Equal,
		`"2025-11-13T10:30:00Z"`, `"2025-11-13T10:30:00.123+02:00"`, `"yesterday"`, `17`)
}

// decodesAsJSON checks that nullable[T] reads each raw value as
// json.Unmarshal into a T does: the same value, or an error for both.
func decodesAsJSON[T any](t *testing.T, equal func(a, b T) bool, raws ...string) {
	t.Helper()
	for _, raw := range raws {
		var n nullable[T]
		var want T
		errN, errW := n.UnmarshalJSON([]byte(raw)), json.Unmarshal([]byte(raw), &want)
		if errW != nil {
			assert.Error(t, errN, raw)
			continue
		}
		require.NoError(t, errN, raw)
		assert.True(t, equal(want, *n.v), raw)
	}
}
