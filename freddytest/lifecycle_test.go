package freddytest

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGet(t *testing.T) {
	srv, c := start(t, WithClock(newFakeClock().Now))
	created := c.create(`{"personalConnectorId":"pcon_github","name":"n","credentials":{"token":"t"},"description":"d","metadata":{"team":"x"}}`)
	id := created["id"].(string)
	r := c.do(http.MethodGet, basePath+"/"+id, "")
	require.Equal(t, http.StatusOK, r.status)
	assertCommonHeaders(t, r)
	assert.Equal(t, objectKeys, keys(r.body), "bare and camelCase")
	for _, k := range []string{"id", "object", "userId", "personalConnectorId", "name", "configuration", "credentials", "enabled",
		"healthStatus", "lastSyncAt", "lastError", "description", "metadata", "apiKeyId"} {
		assert.Equal(t, created[k], r.body[k], k)
	}
	assert.Equal(t, "org_emulator", r.body["organizationId"])
	assert.Equal(t, "2025-11-13T10:45:00Z", r.body["createdAt"])
	assert.Equal(t, "2025-11-13T10:45:00Z", r.body["updatedAt"])
	assert.Equal(t, "***REDACTED***", r.body["credentials"])
	_, ok := srv.Configuration(id)
	assert.True(t, ok)
}

func TestNotFoundShortBody(t *testing.T) {
	_, c := start(t)
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodGet, "/pconf_abc123", ""},
		{http.MethodPatch, "/pconf_abc123", `{"name":"x"}`},
		{http.MethodPatch, "/pconf_abc123", `not json`},
		{http.MethodDelete, "/pconf_abc123", ""},
		{http.MethodPost, "/pconf_abc123/toggle", `{"enabled":true}`},
		{http.MethodPost, "/pconf_abc123/test", ""},
	} {
		r := c.do(tc.method, basePath+tc.path, tc.body)
		require.Equal(t, http.StatusNotFound, r.status, tc.method+" "+tc.path)
		assert.JSONEq(t, `{"error":{"type":"not_found_error","message":"Personal connector configuration with ID 'pconf_abc123' not found.","code":"configuration_not_found"}}`, string(r.raw))
		assertCommonHeaders(t, r)
	}
}

func TestUpdate(t *testing.T) {
	clock := newFakeClock()
	srv, c := start(t, WithClock(clock.Now))
	id := c.create(`{"personalConnectorId":"pcon_github","name":"old","credentials":{"token":"t1"},
		"configuration":{"repository":"a/b","branch":"main","paths":["src/"]},"metadata":{"team":"x","keep":1}}`)["id"].(string)
	clock.Advance(time.Minute)

	r := c.do(http.MethodPatch, basePath+"/"+id, `{"name":"new","description":"d",
		"configuration":{"branch":"dev","paths":null,"extra":{"deep":true}},"metadata":{"team":null,"added":"y"},
		"credentials":{"token":"t2"}}`)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	assertCommonHeaders(t, r)
	assert.Equal(t, objectKeys, keys(r.body))
	assert.Equal(t, "new", r.body["name"])
	assert.Equal(t, "d", r.body["description"])
	assert.Equal(t, map[string]any{"repository": "a/b", "branch": "dev", "extra": map[string]any{"deep": true}}, r.body["configuration"],
		"shallow merge: replaced, added, null removed, others kept")
	assert.Equal(t, map[string]any{"keep": float64(1), "added": "y"}, r.body["metadata"])
	assert.Equal(t, "***REDACTED***", r.body["credentials"])
	assert.Equal(t, "2025-11-13T10:45:00Z", r.body["createdAt"])
	assert.Equal(t, "2025-11-13T10:46:00Z", r.body["updatedAt"])
	assert.Equal(t, true, r.body["enabled"])

	// A second merge replaces a nested object whole: one level only.
	r = c.do(http.MethodPatch, basePath+"/"+id, `{"configuration":{"extra":{"other":1}}}`)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, map[string]any{"repository": "a/b", "branch": "dev", "extra": map[string]any{"other": float64(1)}}, r.body["configuration"])
	assert.Equal(t, "new", r.body["name"], "fields not sent are kept")

	got, _ := srv.Configuration(id)
	assert.Equal(t, "new", got.Name)
	assert.Equal(t, map[string]any{"keep": float64(1), "added": "y"}, got.Metadata)
	assert.Equal(t, t0.Add(time.Minute), got.UpdatedAt)

	// The stored credentials were replaced: the new ones are what a health
	// check sees.
	r = c.do(http.MethodPatch, basePath+"/"+id, `{"credentials":{"token":"fine"}}`)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "healthy", c.do(http.MethodPost, basePath+"/"+id+"/test", "").body["status"])
}

func TestUpdateValidation(t *testing.T) {
	srv, c := start(t, WithClock(newFakeClock().Now))
	id := c.create(validBody)["id"].(string)
	before, _ := srv.Configuration(id)
	tests := []struct {
		body   string
		fields map[string]any
	}{
		{`{}`, map[string]any{"body": "must contain at least one field"}},
		{`[]`, map[string]any{"body": "must be a JSON object"}},
		{`x`, map[string]any{"body": "must be a JSON object"}},
		{``, map[string]any{"body": "must be a JSON object"}},
		{`{"enabled":false}`, map[string]any{"enabled": "cannot be updated here; use POST /v1/personal-connectors/configurations/{id}/toggle"}},
		{`{"name":""}`, map[string]any{"name": "must not be empty"}},
		{`{"name":1,"description":false,"configuration":[],"metadata":"m","credentials":{}}`,
			map[string]any{"name": "must be a string", "description": "must be a string", "configuration": "must be an object", "metadata": "must be an object", "credentials": "must not be empty"}},
		{`{"name":null,"description":null,"configuration":null,"metadata":null,"credentials":null}`,
			map[string]any{"name": "must be a string", "description": "must be a string", "configuration": "must be an object", "metadata": "must be an object", "credentials": "must be an object"}},
		{`{"name":"ok","personalConnectorId":"pcon_x","shared":true}`, map[string]any{"personalConnectorId": "is not a known field", "shared": "is not a known field"}},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			r := newCaller(t, srv).do(http.MethodPatch, basePath+"/"+id, tt.body)
			assert.Equal(t, tt.fields, fieldsOf(t, r))
		})
	}
	after, _ := srv.Configuration(id)
	assert.Equal(t, before, after, "a refused update changes nothing")
}

func TestUpdateInvalidCredentials(t *testing.T) {
	srv, c := start(t)
	for _, tc := range []struct{ connector, credentials string }{
		{"pcon_github", `{"token":"invalid"}`},
		{"pcon_clickup", `{"type":"oauth2","tokens":{"access":["ok","invalid"]}}`},
		{"custom", `{"apiKey":"invalid"}`},
		{"pcon_github", `{"token":"ghp_INVALIDTOKEN"}`},
	} {
		id := c.create(`{"personalConnectorId":"` + tc.connector + `","name":"n","credentials":{"token":"t"}}`)["id"].(string)
		before, _ := srv.Configuration(id)
		r := c.do(http.MethodPatch, basePath+"/"+id, `{"name":"changed","credentials":`+tc.credentials+`}`)
		require.Equal(t, http.StatusBadRequest, r.status)
		short := tc.connector[len("pcon_"):]
		if tc.connector == "custom" {
			short = "custom"
		}
		assert.JSONEq(t, `{"error":{"message":"Failed to validate credentials for `+short+`: 401 Unauthorized - Invalid token.","type":"validation_error","code":"invalid_credentials"}}`, string(r.raw))
		assertCommonHeaders(t, r)
		after, _ := srv.Configuration(id)
		assert.Equal(t, before, after, "nothing changes, the name neither")
	}
	id := c.create(validBody)["id"].(string)
	r := c.do(http.MethodPatch, basePath+"/"+id, `{"credentials":{"token":"ghp_valid_token","n":1}}`)
	assert.Equal(t, http.StatusOK, r.status, "only a value containing \"invalid\" is refused")
}

func TestToggle(t *testing.T) {
	clock := newFakeClock()
	srv, c := start(t, WithClock(clock.Now))
	id := c.create(validBody)["id"].(string)
	clock.Advance(time.Second)
	for _, enabled := range []bool{false, false, true} {
		body := `{"enabled":false}`
		if enabled {
			body = `{"enabled":true}`
		}
		r := c.do(http.MethodPost, basePath+"/"+id+"/toggle", body)
		require.Equal(t, http.StatusOK, r.status)
		assertCommonHeaders(t, r)
		assert.Equal(t, objectKeys, keys(r.body))
		assert.Equal(t, enabled, r.body["enabled"])
		assert.Equal(t, "2025-11-13T10:45:01Z", r.body["updatedAt"])
		got, _ := srv.Configuration(id)
		assert.Equal(t, enabled, got.Enabled)
	}
	for body, fields := range map[string]map[string]any{
		``:                            {"body": "must be a JSON object"},
		`{}`:                          {"enabled": "is required"},
		`{"enabled":null}`:            {"enabled": "is required"},
		`{"enabled":"false"}`:         {"enabled": "must be a boolean"},
		`{"enabled":true,"name":"x"}`: {"name": "is not a known field"},
		`{"Enabled":true}`:            {"enabled": "is required", "Enabled": "is not a known field"},
	} {
		r := c.do(http.MethodPost, basePath+"/"+id+"/toggle", body)
		assert.Equal(t, fields, fieldsOf(t, r), body)
	}
}

func TestDelete(t *testing.T) {
	srv, c := start(t)
	ids := c.createN(3)
	r := c.do(http.MethodDelete, basePath+"/"+ids[1], "")
	require.Equal(t, http.StatusOK, r.status)
	assertCommonHeaders(t, r)
	assert.JSONEq(t, `{"id":"`+ids[1]+`","object":"personal_connector.configuration","deleted":true}`, string(r.raw))

	for _, tc := range []struct{ method, path, body string }{
		{http.MethodGet, "", ""},
		{http.MethodPatch, "", `{"name":"x"}`},
		{http.MethodDelete, "", ""},
		{http.MethodPost, "/toggle", `{"enabled":true}`},
		{http.MethodPost, "/test", ""},
	} {
		r := c.do(tc.method, basePath+"/"+ids[1]+tc.path, tc.body)
		assert.Equal(t, http.StatusNotFound, r.status, tc.method+tc.path)
		assert.Contains(t, string(r.raw), `"code":"configuration_not_found"`)
	}
	assert.False(t, srv.SetHealth(ids[1], "unhealthy", ""))
	_, ok := srv.Configuration(ids[1])
	assert.False(t, ok)
	stored := srv.Configurations()
	require.Len(t, stored, 2)
	assert.Equal(t, []string{ids[0], ids[2]}, []string{stored[0].ID, stored[1].ID})
	page := c.do(http.MethodGet, basePath, "")
	assert.Len(t, page.body["data"], 2)
}
