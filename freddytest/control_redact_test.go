package freddytest

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aitronos/freddy-go/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listOne sends one request and returns its listing by the control API, the
// raw listing, and the request as the server logged it.
func listOne(t *testing.T, c *caller, srv *Server, method, path, body string, header ...string) (requestJSON, string, Request) {
	t.Helper()
	c.do(method, path, body, header...)
	r := c.control(http.MethodGet, "/_freddytest/requests", "")
	require.Equal(t, http.StatusOK, r.status)
	var listing struct {
		Requests []requestJSON `json:"requests"`
	}
	require.NoError(t, json.Unmarshal(r.raw, &listing))
	require.Len(t, listing.Requests, 1)
	logged := srv.Requests()
	require.Len(t, logged, 1)
	return listing.Requests[0], string(r.raw), logged[0]
}

// assertNoSecret checks every 8-byte window of each secret, raw,
// JSON-escaped and URL-encoded, against out.
func assertNoSecret(t *testing.T, out string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		j, _ := json.Marshal(secret)
		for _, enc := range []string{secret, string(j[1 : len(j)-1]), url.QueryEscape(secret)} {
			assertNoWindow(t, out, enc)
		}
	}
}

// A logged body that is not a complete, valid JSON document is withheld
// whole, wherever its error or its 1 MiB cut falls, before the credentials
// member included (a trailing comma inside configuration, a >1 MiB
// configuration.blob): a value before the error may echo a credential that
// comes after it (the probe's "name":"<token>"). Its string values are
// scrubbed from the header values (the probe's X-Debug-Token) as
// credentials; header names and the path stay as sent. Every 8-byte window
// of the key and the credential is absent from the listing, raw,
// JSON-escaped and URL-encoded.
func TestControlAPIListsNoCredentialOfABodyThatIsNotJSON(t *testing.T) {
	const key = "fk_live_NOTJSONKEY_0123456789"
	const token = "ghp_NOTJSONSECRET_abcdefghijklmnop"
	creds := `"credentials":{"type":"bearer","token":"` + token + `"}`
	head := `{"personalConnectorId":"pcon_github","name":"n",`
	pad := func(n int) string { return strings.Repeat("x", n) }
	// cutInside puts the 1 MiB cut in the middle of the token.
	cutInside := `{"description":"` + pad(maxRequestBody-len(`{"description":"`)-len(`","credentials":{"type":"bearer","token":"`)-10) + `",` + creds + `}`
	for _, tc := range []struct {
		name, body string
		// headerEcho: the logged copy holds the whole credential, so an
		// echo of it in a header value is scrubbed too. (A credential the
		// cut hides, in part or whole, the server never read.)
		headerEcho bool
	}{
		{"over 1 MiB, cut after the credentials", head + creds + `,"description":"` + pad(maxRequestBody) + `"}`, true},
		{"over 1 MiB, cut inside the credentials", cutInside, false},
		{"over 1 MiB, valid JSON up to the cut", `{"name":"n"}` + strings.Repeat(" ", maxRequestBody) + `{` + creds + `}`, false},
		{"over 1 MiB, credentials past the cut", `{"description":"` + pad(maxRequestBody) + `",` + creds + `}`, false},
		{"over 1 MiB, a configuration blob before the credentials", `{"personalConnectorId":"pcon_github","name":"` + token + `","configuration":{"blob":"` + pad(maxRequestBody) + `"},` + creds + `}`, true},
		{"trailing comma", head + creds + `,}`, true},
		{"trailing comma inside the credentials", head + `"credentials":{"token":"` + token + `",}}`, true},
		{"trailing comma inside configuration, before the credentials", `{"personalConnectorId":"pcon_github","name":"` + token + `","configuration":{"a":1,},` + creds + `}`, true},
		{"data after the object", head + creds + `} {"token":"` + token + `"}`, true},
		{"broken before the credentials", `{"name":"n",,` + creds + `,"description":"echo ` + token + `"}`, true},
		{"broken before the credentials, cut inside them", `{"name":"n",,"credentials":{"token":"` + token + strings.Repeat("y", maxRequestBody), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := start(t, WithControlAPI(), WithAPIKeys(key))
			// The body also echoes the token where no member name says so.
			body := strings.Replace(tc.body, `"name":"n"`, `"name":"echo `+token[2:]+` `+url.QueryEscape(token)+`"`, 1)
			require.True(t, !json.Valid([]byte(body)) || len(body) > maxRequestBody, "not a whole valid body")
			header := []string{"X-API-Key", key}
			if tc.headerEcho {
				// The client echoes the credential in headers of its own,
				// where only the body says what to scrub.
				header = append(header, "X-Debug-Token", token, "X-Echo", token[3:], "X-Echo-Query", url.QueryEscape(token))
			}
			got, raw, logged := listOne(t, c, srv, http.MethodPost, basePath, body, header...)
			assertNoSecret(t, raw, key, token)
			assert.Equal(t, withheldBody, got.Body, "withheld whole")
			assert.Equal(t, basePath, got.Path)
			assert.ElementsMatch(t, slices.Collect(maps.Keys(logged.Header)), slices.Collect(maps.Keys(got.Header)), "header names as sent")
			assert.Equal(t, []string{"application/json"}, got.Header["Content-Type"])
		})
	}
}

// A body that is not JSON does not blank the listing's structure: member
// names ("type", "personalConnectorId", "Content-Type"), values under 8
// bytes ("bearer") and the API's own names ("configuration",
// "personal_connector.configuration") are not taken for credentials, so the
// path, every header name and the header values that hold only those are
// listed as sent; a value of 8 bytes or more is scrubbed from header
// values.
func TestControlAPIListingOfABodyThatIsNotJSONKeepsItsStructure(t *testing.T) {
	const token = "ghp_STRUCTURESECRET_abcdefghijkl"
	srv, c := start(t, WithControlAPI())
	path := basePath + "/pconf_f9e8d7c6b5a4f3e2"
	body := `{"personalConnectorId":"pcon_github","name":"configuration","object":"personal_connector.configuration",` +
		`"Content-Type":"x","credentials":{"type":"bearer","token":"` + token + `"},}`
	got, raw, logged := listOne(t, c, srv, http.MethodPatch, path, body,
		"X-Scheme", "bearer", "X-Object", "personal_connector.configuration", "X-Kind", "configuration", "X-Echo", token)
	assertNoSecret(t, raw, srv.APIKey, token)
	assert.Equal(t, path, got.Path, "the path as sent")
	assert.ElementsMatch(t, slices.Collect(maps.Keys(logged.Header)), slices.Collect(maps.Keys(got.Header)), "header names as sent")
	for _, name := range []string{"Content-Type", "X-Scheme", "X-Object", "X-Kind", "User-Agent"} {
		assert.Equal(t, logged.Header[name], got.Header[name], name)
	}
	assert.Equal(t, []string{"***REDACTED***"}, got.Header["X-Echo"])
	assert.Equal(t, withheldBody, got.Body)
}

// The rule's edges: a valid body is listed (credentials member replaced),
// an empty one as "", and a body of exactly 1 MiB that is valid JSON is
// whole, not cut: it is listed.
func TestControlAPIListsAWholeValidBody(t *testing.T) {
	const token = "ghp_WHOLEVALID_abcdefghijklmnop"
	for _, tc := range []struct{ name, body, want string }{
		{"valid", `{"name":"n","credentials":{"token":"` + token + `"}}`, `{"name":"n","credentials":"***REDACTED***"}`},
		{"exactly 1 MiB", `{"name":"` + strings.Repeat("z", maxRequestBody-len(`{"name":""}`)) + `"}`, ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := start(t, WithControlAPI())
			got, raw, _ := listOne(t, c, srv, http.MethodPost, basePath, tc.body)
			assertNoSecret(t, raw, srv.APIKey, token)
			want := tc.want
			if tc.name == "exactly 1 MiB" {
				require.Len(t, tc.body, maxRequestBody)
				want = tc.body
			}
			assert.Equal(t, want, got.Body)
		})
	}
}

// A header name is scrubbed of the keys (and, with a valid body, of its
// credential values), whatever the body: a client may echo a key there.
func TestControlAPIScrubsAKeyFromAHeaderName(t *testing.T) {
	const key = "fk_live_HDRNAMEKEY_0123456789"
	for _, body := range []string{`{"name":"n"}`, `{"name":"n",}`} {
		srv, c := start(t, WithControlAPI(), WithAPIKeys(key))
		got, raw, _ := listOne(t, c, srv, http.MethodPost, basePath, body, "X-API-Key", key, "X-Echo-"+key[3:], "1")
		assertNoSecret(t, raw, key)
		assert.Equal(t, []string{"1"}, got.Header["X-Echo-"+redact.Marker], body)
	}
}
