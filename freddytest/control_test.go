package freddytest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	freddy "github.com/aitronos/freddy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// control sends one control API request without an API key.
func (c *caller) control(method, path, body string) result {
	c.t.Helper()
	return c.do(method, path, body, "X-API-Key", "")
}

// assertNoWindow fails when out holds any 8-byte window of secret, in any
// ASCII case.
func assertNoWindow(t *testing.T, out, secret string) {
	t.Helper()
	lower := strings.ToLower(out)
	for i := 0; i+8 <= len(secret); i++ {
		w := strings.ToLower(secret[i : i+8])
		assert.NotContains(t, lower, w, "window %d of a secret", i)
	}
}

func TestControlAPIIsOffByDefault(t *testing.T) {
	srv, c := start(t)
	assert.Equal(t, http.StatusUnauthorized, c.control("GET", "/_freddytest/requests", "").status)
	r := c.do("GET", "/_freddytest/requests", "")
	errorOf(t, r, http.StatusNotFound, "NOT_FOUND")
	assert.Len(t, srv.Requests(), 2, "an ordinary request, logged")
}

func TestControlAPIFaults(t *testing.T) {
	srv, c := start(t, WithControlAPI())
	r := c.control("POST", "/_freddytest/faults", `[{"kind":"server_error"}]`)
	assert.Equal(t, 400, r.status)
	assert.Contains(t, r.body["error"], `faults[0].kind: unknown fault kind "server_error"`)
	for body, want := range map[string]string{
		`[{"kind":"drop","path":"/nope"}]`:                  "faults[0].path",
		`[{"kind":"drop"},{"kind":"drop","skip":-1}]`:       "faults[1].skip",
		`[{"kind":"drop","delay":"soon"}]`:                  "faults[0].delay",
		`[{"kind":"drop","method":"G T"}]`:                  "faults[0].method",
		`[{"kind":"drop","retry_after":"1s"}]`:              "unknown field",
		`{"kind":"drop"}`:                                   "want a JSON array",
		`[{"kind":"RateLimit","retryAfter":"-1s"}]`:         "faults[0].retryAfter",
		`[{"kind":"StallBody","stall":"1x"}]`:               "faults[0].stall",
		`[{"kind":"FaultTruncate","count":1},{"kind":"x"}]`: "faults[1].kind",
		`[{"kind":"gatewayRateLimit","retryAfter":"-1s"}]`:  "faults[0].retryAfter",
	} {
		r := c.control("POST", "/_freddytest/faults", body)
		assert.Equal(t, 400, r.status, body)
		assert.Contains(t, r.body["error"], want, body)
	}
	srv.mu.Lock()
	assert.Empty(t, srv.faults, "a refused array queues nothing")
	srv.mu.Unlock()

	// The health check, and only it, fails on every attempt.
	client := sdkClient(t, srv)
	defer client.CloseIdleConnections()
	r = c.control("POST", "/_freddytest/faults", `[{"kind":"ServerError","method":"post","path":"/{id}/test","count":-1,"delay":"1ms"}]`)
	require.Equal(t, 200, r.status, string(r.raw))
	assert.Equal(t, float64(1), r.body["queued"])
	ctx := context.Background()
	cfg, err := client.Configurations.Create(ctx, params())
	require.NoError(t, err)
	_, err = client.Configurations.Test(ctx, cfg.ID)
	require.ErrorIs(t, err, freddy.ErrServer)
	assert.Equal(t, 200, c.control("DELETE", "/_freddytest/faults", "").status)
	_, err = client.Configurations.Test(ctx, cfg.ID)
	require.NoError(t, err)
	for _, req := range srv.Requests() {
		assert.False(t, strings.HasPrefix(req.Path, "/_freddytest"), "control requests are not logged")
	}
}

func TestControlAPIConfigurationsHealthReset(t *testing.T) {
	srv, c := start(t, WithControlAPI())
	id := c.createN(1)[0]
	r := c.control("GET", "/_freddytest/configurations", "")
	require.Equal(t, 200, r.status)
	data := r.body["data"].([]any)
	require.Len(t, data, 1)
	assert.Equal(t, id, data[0].(map[string]any)["id"])
	assert.Equal(t, Redacted, data[0].(map[string]any)["credentials"])

	r = c.control("PUT", "/_freddytest/configurations/"+id+"/health", `{"status":"unhealthy","message":"Boom."}`)
	require.Equal(t, 200, r.status, string(r.raw))
	check := c.do("POST", basePath+"/"+id+"/test", "")
	assert.Equal(t, "unhealthy", check.body["status"])
	assert.Equal(t, "Boom.", check.body["message"])
	assert.Equal(t, 404, c.control("PUT", "/_freddytest/configurations/pconf_nope/health", `{"status":"healthy"}`).status)
	assert.Equal(t, 400, c.control("PUT", "/_freddytest/configurations/"+id+"/health", `{"status":"great"}`).status)
	assert.Equal(t, 400, c.control("PUT", "/_freddytest/configurations/"+id+"/health", `nope`).status)

	assert.Equal(t, 200, c.control("POST", "/_freddytest/reset", "").status)
	assert.Empty(t, srv.Configurations())
	assert.Equal(t, 404, c.control("GET", "/_freddytest/nothing", "").status)
	assert.Equal(t, 404, c.control("GET", "/_freddytest/reset", "").status, "wrong method")
}

func TestControlAPIRequestsAreRedacted(t *testing.T) {
	const key = "fk_live_CONTROLKEY_0123456789"
	const token = "ghp_CONTROLSECRET_abcdefghijklmnop"
	const wrongKey = "fk_wrong_PRESENTED_9876543210"
	_, c := start(t, WithControlAPI(), WithAPIKeys(key), WithRequestLog(2))
	c.do("GET", basePath, "") // dropped from the log of 2
	body := `{"personalConnectorId":"pcon_github","name":"n","credentials":{"type":"bearer","token":"` + token + `"},"description":"echo ` + token[4:20] + `"}`
	c.do("POST", basePath, body, "Authorization", "Bearer "+key, "X-Echo", key[3:15])
	c.do("GET", basePath, "", "X-API-Key", wrongKey)
	r := c.control("GET", "/_freddytest/requests", "")
	require.Equal(t, 200, r.status)
	for _, secret := range []string{key, token, wrongKey} {
		assertNoWindow(t, string(r.raw), secret)
	}
	var listing struct {
		Dropped  int64         `json:"dropped"`
		Requests []requestJSON `json:"requests"`
	}
	require.NoError(t, json.Unmarshal(r.raw, &listing))
	assert.Equal(t, int64(1), listing.Dropped)
	require.Len(t, listing.Requests, 2)
	post := listing.Requests[0]
	assert.Equal(t, int64(2), post.Seq)
	assert.Equal(t, "POST", post.Method)
	assert.Equal(t, []string{"***REDACTED***"}, post.Header["Authorization"])
	assert.Equal(t, []string{"***REDACTED***"}, post.Header["X-Api-Key"])
	assert.Contains(t, post.Body, `"personalConnectorId":"pcon_github"`, "what is not a secret stays readable")
	assert.Contains(t, post.Body, `"credentials":"***REDACTED***"`, "the member goes whole, as in RawJSON")
	assert.Equal(t, []string{"***REDACTED***"}, listing.Requests[1].Header["X-Api-Key"])
}

func TestControlAPIAnswersLoopbackPeersOnly(t *testing.T) {
	for _, tc := range []struct {
		opt  Option
		want int
	}{{WithControlAPI(), http.StatusForbidden}, {WithRemoteControlAPI(), http.StatusOK}} {
		srv := Start(t, tc.opt)
		req := httptest.NewRequest("GET", "/_freddytest/requests", nil)
		req.RemoteAddr = "192.0.2.7:41000"
		rec := httptest.NewRecorder()
		srv.http.Handler.ServeHTTP(rec, req)
		assert.Equal(t, tc.want, rec.Code, rec.Body.String())
	}
	assert.True(t, loopbackPeer("[::1]:80"))
	assert.False(t, loopbackPeer("nonsense"))
}

// TestControlAPIRedactsEveryDuplicateCredentials: encoding/json keeps the
// last of two credentials members, but the first was sent too; an echo of
// either is scrubbed, however the name is cased or spelled.
func TestControlAPIRedactsEveryDuplicateCredentials(t *testing.T) {
	const first, second, third = "ghp_SECRETSECRET12345", "zzzzYYYYxxxx9876", "tok_THIRDTHIRD_5555"
	_, c := start(t, WithControlAPI())
	body := `{"personalConnectorId":"pcon_github","name":"d","credentials":{"token":"` + first +
		`"},"CREDENTIALS":{"token":"` + second + `","token":"` + third + `"},"credentialſ":{"t":"` + third + `"},` +
		`"metadata":{"echo":"` + first + ` ` + second + ` ` + third + `","u":"` + url.QueryEscape(first+"/"+second) + `"}}`
	c.do("POST", basePath, body)
	r := c.control("GET", "/_freddytest/requests", "")
	require.Equal(t, 200, r.status)
	for _, secret := range []string{first, second, third} {
		j, _ := json.Marshal(secret)
		for _, enc := range []string{secret, string(j[1 : len(j)-1]), url.QueryEscape(secret), url.PathEscape(secret)} {
			assertNoWindow(t, string(r.raw), enc)
		}
	}
}

// The control API queues a gateway's bare 429 like Inject does.
func TestControlAPIGatewayRateLimit(t *testing.T) {
	_, c := start(t, WithControlAPI())
	r := c.control("POST", "/_freddytest/faults", `[{"kind":"gatewayRateLimit","retryAfter":"30m"}]`)
	require.Equal(t, 200, r.status, string(r.raw))
	got := c.do(http.MethodGet, basePath, "")
	assert.Equal(t, http.StatusTooManyRequests, got.status)
	assert.Equal(t, "1800", got.header.Get("Retry-After"))
	assert.Empty(t, got.header.Get("X-RateLimit-Remaining"))
}
