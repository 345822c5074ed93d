package freddytest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A logged body that is not valid JSON lists no credential in clear: not a
// Create over 1 MiB whose logged copy is cut (before, inside or after the
// credentials member), not one with a trailing comma or data after the
// object, not one broken before its credentials member. What reads as JSON
// is still listed, credentials member replaced whole, and the rest
// withheld; every 8-byte window of the key and the credential is absent
// from the listing, in every encoding the scrubber knows.
func TestControlAPIListsNoCredentialOfABodyThatIsNotJSON(t *testing.T) {
	const key = "fk_live_NOTJSONKEY_0123456789"
	const token = "ghp_NOTJSONSECRET_abcdefghijklmnop"
	creds := `"credentials":{"type":"bearer","token":"` + token + `"}`
	head := `{"personalConnectorId":"pcon_github","name":"n",`
	pad := func(n int) string { return strings.Repeat("x", n) }
	// cutInside puts the 1 MiB cut in the middle of the token.
	cutInside := `{"description":"` + pad(maxRequestBody-len(`{"description":"`)-len(`","credentials":{"type":"bearer","token":"`)-10) + `",` + creds + `}`
	for _, tc := range []struct {
		name, body, readable string
		echo                 bool // the body also echoes the token where no member name says so
		whole                bool // the logged copy holds no credentials member: listed whole
		// headerEcho: the server read the whole credential, so an echo of it
		// in a header of the request is scrubbed too. (A credential the cut
		// hides, in part or whole, the server never read.)
		headerEcho bool
	}{
		{"over 1 MiB, cut after the credentials", head + creds + `,"description":"` + pad(maxRequestBody) + `"}`, `"personalConnectorId":"pcon_github"`, true, false, true},
		{"over 1 MiB, cut inside the credentials", cutInside, `{"description":"xxx`, false, false, false},
		{"over 1 MiB, credentials past the cut", `{"description":"` + pad(maxRequestBody) + `",` + creds + `}`, `{"description":"xxx`, false, true, false},
		{"trailing comma", head + creds + `,}`, `"personalConnectorId":"pcon_github"`, true, false, true},
		{"trailing comma inside the credentials", head + `"credentials":{"token":"` + token + `",}}`, `"personalConnectorId":"pcon_github"`, true, false, true},
		{"data after the object", head + creds + `} {"token":"` + token + `"}`, `"personalConnectorId":"pcon_github"`, true, false, true},
		{"broken before the credentials", `{"name":"n",,` + creds + `,"description":"echo ` + token + `"}`, `{"name":"n"`, false, false, true},
		{"broken before the credentials, cut inside them", `{"name":"n",,"credentials":{"token":"` + token + strings.Repeat("y", maxRequestBody), `{"name":"n"`, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := start(t, WithControlAPI(), WithAPIKeys(key))
			body := tc.body
			if tc.echo {
				body = strings.Replace(body, `"name":"n"`, `"name":"echo `+token[2:]+` `+url.QueryEscape(token)+`"`, 1)
			}
			require.False(t, json.Valid([]byte(body[:min(len(body), maxRequestBody)])), "the logged copy is not JSON")
			header := []string{"X-API-Key", key}
			if tc.headerEcho {
				// The client echoes the credential in a header of its own,
				// where only the body says what to scrub.
				header = append(header, "X-Echo", token[3:], "X-Echo-Query", url.QueryEscape(token))
			}
			status := c.do(http.MethodPost, basePath, body, header...).status
			assert.Equal(t, http.StatusBadRequest, status)
			r := c.control(http.MethodGet, "/_freddytest/requests", "")
			require.Equal(t, http.StatusOK, r.status)
			for _, secret := range []string{key, token} {
				j, _ := json.Marshal(secret)
				for _, enc := range []string{secret, string(j[1 : len(j)-1]), url.QueryEscape(secret)} {
					assertNoWindow(t, string(r.raw), enc)
				}
			}
			var listing struct {
				Requests []requestJSON `json:"requests"`
			}
			require.NoError(t, json.Unmarshal(r.raw, &listing))
			require.Len(t, listing.Requests, 1)
			got := listing.Requests[0].Body
			assert.Contains(t, got, tc.readable, "what reads as JSON is listed")
			if tc.whole {
				assert.Equal(t, body[:maxRequestBody], got)
				return
			}
			assert.True(t, strings.HasSuffix(got, withheldBody), "the rest is withheld: %.200s", got[max(0, len(got)-200):])
		})
	}
}
