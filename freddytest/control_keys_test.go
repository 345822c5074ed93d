package freddytest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aitronos/freddy-go/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sendHeader sends GET basePath with exactly header (names as written,
// every value of each) and returns the status.
func sendHeader(t *testing.T, c *caller, header http.Header) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.srv.URL+basePath, nil)
	require.NoError(t, err)
	req.Header = header
	resp, err := c.hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// A key presented anywhere a server may read one is a secret of the
// listing, and every header that presents it is listed as the marker: the
// Bearer scheme in any case and with any run of spaces or tabs after it
// (RFC 7235), another scheme, each value of a repeated X-Api-Key, and a
// name that normalises to x-api-key ("X-API_KEY", which WSGI servers read
// as X-Api-Key). The probe's echo in X-Echo shows no 8 bytes of it.
func TestControlAPIListsNoKeyPresentedInAnyForm(t *testing.T) {
	const other = "sk-other-env-Key-0042"
	for name, tc := range map[string]struct {
		header http.Header
		secret string
	}{
		"lower-case bearer":    {http.Header{"Authorization": {"bearer " + other}}, other},
		"upper-case BEARER":    {http.Header{"Authorization": {"BEARER " + other}}, other},
		"spaces after Bearer":  {http.Header{"Authorization": {"Bearer   " + other}}, other},
		"tab after bearer":     {http.Header{"Authorization": {"bearer\t" + other}}, other},
		"another scheme":       {http.Header{"Authorization": {"Token " + other}}, other},
		"a bare value":         {http.Header{"Authorization": {other}}, other},
		"second Authorization": {http.Header{"Authorization": {"Bearer fk_first_value_1", "bearer " + other}}, other},
		"second X-Api-Key":     {http.Header{"X-Api-Key": {"first-Key-value-0001", "Second-Key-value-0002"}}, "Second-Key-value-0002"},
		"X-API_KEY":            {http.Header{"X-API_KEY": {"Und3rscoreKey777"}}, "Und3rscoreKey777"},
		"x_api_key":            {http.Header{"x_api_key": {"Und3rscoreKey777"}}, "Und3rscoreKey777"},
	} {
		t.Run(name, func(t *testing.T) {
			_, c := start(t, WithControlAPI(), WithAPIKeys("fk_live_KEYFORMS_0123456789"))
			tc.header.Set("X-Echo", "echo "+tc.secret+" and "+tc.secret[3:])
			assert.Equal(t, http.StatusUnauthorized, sendHeader(t, c, tc.header))
			r := c.control(http.MethodGet, "/_freddytest/requests", "")
			require.Equal(t, http.StatusOK, r.status)
			assertNoSecret(t, string(r.raw), tc.secret)
			var listing struct {
				Requests []requestJSON `json:"requests"`
			}
			require.NoError(t, json.Unmarshal(r.raw, &listing))
			require.Len(t, listing.Requests, 1)
			got := listing.Requests[0].Header
			assert.Equal(t, []string{"echo " + redact.Marker + " and " + redact.Marker}, got["X-Echo"], "the rest of an echo stays")
			keyHeaders := 0
			for name, vs := range got {
				if isKeyHeader(name) {
					keyHeaders++
					assert.Equal(t, []string{redact.Marker}, vs, name)
				}
			}
			assert.Equal(t, 1, keyHeaders, "the key header is listed, as the marker: %v", got)
		})
	}
}

// The Bearer scheme is case-insensitive and may be followed by more than
// one space or a tab (RFC 7235): the server authenticates all of them, and
// a key header whose value names no known key is still refused.
func TestBearerSchemeInAnyCase(t *testing.T) {
	const key = "fk_live_BEARERCASE_01234"
	_, c := start(t, WithAPIKeys(key))
	for _, v := range []string{"Bearer " + key, "bearer " + key, "BEARER " + key, "Bearer  \t" + key, " bearer " + key + " "} {
		assert.Equal(t, http.StatusOK, c.do(http.MethodGet, basePath, "", "X-API-Key", "", "Authorization", v).status, "%q", v)
	}
	for _, v := range []string{"Bearer", "bearer ", "Basic " + key, "Bearer" + key, key, "bearer nope"} {
		assert.Equal(t, http.StatusUnauthorized, c.do(http.MethodGet, basePath, "", "X-API-Key", "", "Authorization", v).status, "%q", v)
	}
}

// Every string of a listed configuration is scrubbed of the credentials
// the server holds, a field no one thought of included: the probe's
// personalConnectorId "pc_ghp_R3alT0ke" quotes 12 bytes of its token. The
// fields that quote none (the ID, the timestamps, another configuration's
// personalConnectorId) stay readable, and a configuration is listed as Get
// answers it.
func TestControlAPIConfigurationsScrubEveryString(t *testing.T) {
	const token = "ghp_R3alT0kenValue0099"
	_, c := start(t, WithControlAPI(), WithAPIKeys("fk_live_EVERYFIELD_0123456789"))
	leaky := c.create(`{"personalConnectorId":"pc_ghp_R3alT0ke","name":"n","configuration":{"big":97531975319753197531,"org":"acme"},"credentials":{"type":"bearer","token":"` + token + `"}}`)
	clean := c.create(`{"personalConnectorId":"pcon_github","name":"m","credentials":{"type":"bearer","token":"ghp_OtherToken_24681357"}}`)
	r := c.control(http.MethodGet, "/_freddytest/configurations", "")
	require.Equal(t, http.StatusOK, r.status)
	assertNoSecret(t, string(r.raw), token, "ghp_OtherToken_24681357")
	var listing struct {
		Data []map[string]any `json:"data"`
	}
	require.NoError(t, json.Unmarshal(r.raw, &listing))
	require.Len(t, listing.Data, 2)
	got := map[string]map[string]any{}
	for _, o := range listing.Data {
		got[o["id"].(string)] = o
	}
	for _, want := range []map[string]any{leaky, clean} {
		o := got[want["id"].(string)]
		require.NotNil(t, o, "configuration %v listed by its ID", want["id"])
		assert.Equal(t, want["created_at"], o["createdAt"])
		assert.Equal(t, want["updated_at"], o["updatedAt"])
		assert.Equal(t, redact.Marker, o["credentials"])
		assert.Equal(t, c.do(http.MethodGet, basePath+"/"+o["id"].(string), "").body["configuration"], o["configuration"], "as Get answers it")
	}
	assert.Equal(t, "pcon_github", got[clean["id"].(string)]["personalConnectorId"])
	assert.True(t, strings.HasPrefix(got[leaky["id"].(string)]["personalConnectorId"].(string), "pc_"), "the rest of the field stays")
}

// Every string of a listed request is scrubbed, its method too: a request
// whose method is the key (a caller's mistake, or a probe's) is listed
// without it.
func TestControlAPIListsNoKeyInTheMethod(t *testing.T) {
	const key = "fk_live_METHODKEY_0123456789"
	for name, method := range map[string]string{"the server's key": key, "a key only presented": "sk-presented-Key-0042"} {
		t.Run(name, func(t *testing.T) {
			_, c := start(t, WithControlAPI(), WithAPIKeys(key))
			req, err := http.NewRequest(method, c.srv.URL+basePath, nil)
			require.NoError(t, err)
			req.Header.Set("X-Api-Key", method)
			resp, err := c.hc.Do(req)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			r := c.control(http.MethodGet, "/_freddytest/requests", "")
			require.Equal(t, http.StatusOK, r.status)
			assert.Contains(t, string(r.raw), `"method":"`+redact.Marker+`"`)
			assertNoSecret(t, string(r.raw), method)
		})
	}
}
