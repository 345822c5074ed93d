package freddytest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A request may echo a credential another request stored: the probe's
// X-Upstream-Token header on a later GET, a PATCH whose description quotes
// the token. The control API scrubs every listed request of every
// credential the server stores or has stored: one deleted, one an update
// replaced, one Reset forgot, and one stored after the echo was logged.
func TestControlAPIListsNoCredentialTheServerHolds(t *testing.T) {
	const key = "fk_live_HELDKEY_0123456789"
	const (
		created  = "ghp_EmuSecretTok_98765432"
		replaced = "ghp_ReplacedTok_11223344"
		deleted  = "ghp_DeletedTok_556677889"
		forgot   = "ghp_ResetForgotTok_24680"
		later    = "ghp_StoredLaterTok_13579"
	)
	srv, c := start(t, WithControlAPI(), WithAPIKeys(key))
	body := func(tok string) string {
		return `{"personalConnectorId":"pcon_github","name":"n","credentials":{"type":"bearer","token":"` + tok + `"}}`
	}
	gone := c.create(body(forgot))["id"].(string)
	echo := func(tok string) {
		c.do(http.MethodGet, basePath+"/"+gone, "", "X-Upstream-Token", tok)
		c.do(http.MethodGet, basePath+"?q="+tok, "", "X-"+tok, "1")
	}
	srv.Reset()
	id := c.create(body(created))["id"].(string)
	r := c.do(http.MethodPatch, basePath+"/"+id, `{"credentials":{"type":"bearer","token":"`+replaced+`"}}`, "X-Upstream-Token", created)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	del := c.create(body(deleted))["id"].(string)
	c.do(http.MethodDelete, basePath+"/"+del, "")
	for _, tok := range []string{created, replaced, deleted, forgot, later} {
		echo(tok)
		c.do(http.MethodPatch, basePath+"/"+id, `{"description":"token was `+tok+`"}`)
	}
	c.create(body(later))
	r = c.control(http.MethodGet, "/_freddytest/requests", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, string(r.raw), `token was `, "the rest of the description stays")
	assertNoSecret(t, string(r.raw), key, created, replaced, deleted, forgot, later)
	// The stored description quotes a credential too.
	c.do(http.MethodPatch, basePath+"/"+id, `{"description":"token was `+created+`","metadata":{"note":"`+deleted+`"}}`)
	r = c.control(http.MethodGet, "/_freddytest/configurations", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, string(r.raw), `token was `)
	assertNoSecret(t, string(r.raw), key, created, replaced, deleted, forgot, later)
}
