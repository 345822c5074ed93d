package freddytest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateSuccessBody(t *testing.T) {
	clock := newFakeClock()
	srv, c := start(t, WithClock(clock.Now))
	r := c.do(http.MethodPost, basePath, validBody)
	require.Equal(t, http.StatusOK, r.status)
	assertCommonHeaders(t, r)
	assert.Equal(t, []string{"data", "success"}, keys(r.body))
	assert.Equal(t, true, r.body["success"])
	data := r.body["data"].(map[string]any)
	assert.Equal(t, createdKeys, keys(data), "organization_id, created_at, updated_at snake_case, the rest camelCase")
	assert.Regexp(t, `^pconf_[0-9a-f]{16}$`, data["id"])
	assert.Equal(t, "personal_connector.configuration", data["object"])
	assert.Equal(t, "user_emulator", data["userId"])
	assert.Nil(t, data["apiKeyId"])
	assert.Equal(t, "org_emulator", data["organization_id"])
	assert.Equal(t, "pcon_github", data["personalConnectorId"])
	assert.Equal(t, "My GitHub Account", data["name"])
	assert.Equal(t, map[string]any{"repository": "aitronos/freddy-backend"}, data["configuration"])
	assert.Equal(t, "***REDACTED***", data["credentials"])
	assert.Equal(t, true, data["enabled"])
	assert.Equal(t, "unknown", data["healthStatus"])
	assert.Nil(t, data["lastSyncAt"])
	assert.Nil(t, data["lastError"])
	assert.Nil(t, data["description"])
	assert.Equal(t, map[string]any{}, data["metadata"])
	assert.Equal(t, "2025-11-13T10:45:00Z", data["created_at"])
	assert.Equal(t, "2025-11-13T10:45:00Z", data["updated_at"])
	assert.NotContains(t, string(r.raw), "ghp_", "credentials never come back")
	assert.Empty(t, r.header.Get("Idempotent-Replayed"))

	stored := srv.Configurations()
	require.Len(t, stored, 1)
	got := stored[0]
	assert.Equal(t, data["id"], got.ID)
	assert.Equal(t, "personal_connector.configuration", got.Object)
	assert.Equal(t, "user_emulator", got.UserID)
	assert.Equal(t, "org_emulator", got.OrganizationID)
	assert.Equal(t, "pcon_github", got.PersonalConnectorID)
	assert.Equal(t, "My GitHub Account", got.Name)
	assert.Equal(t, map[string]any{"repository": "aitronos/freddy-backend"}, got.Configuration)
	assert.Equal(t, "***REDACTED***", got.Credentials)
	assert.True(t, got.Enabled)
	assert.Equal(t, "unknown", string(got.HealthStatus))
	assert.Equal(t, map[string]any{}, got.Metadata)
	assert.Equal(t, t0, got.CreatedAt)
	assert.Equal(t, t0, got.UpdatedAt)
	assert.Nil(t, got.LastSyncAt)
	assert.Nil(t, got.LastError)
	assert.Nil(t, got.Description)
	assert.Nil(t, got.APIKeyID)
	one, ok := srv.Configuration(got.ID)
	assert.True(t, ok)
	assert.Equal(t, got, one)
	_, ok = srv.Configuration("pconf_missing")
	assert.False(t, ok)
}

func TestCreateOptionalFields(t *testing.T) {
	_, c := start(t)
	data := c.create(`{"personalConnectorId":"pcon_clickup","name":"n","credentials":{"k":"v"},"enabled":false,"description":"d","metadata":{"a":1}}`)
	assert.Equal(t, false, data["enabled"])
	assert.Equal(t, "d", data["description"])
	assert.Equal(t, map[string]any{"a": float64(1)}, data["metadata"])
	assert.Equal(t, map[string]any{}, data["configuration"], "an absent configuration is an empty object")

	data = c.create(`{"personalConnectorId":"p","name":"n","credentials":{"k":"v"},"enabled":null,"description":null,"metadata":null}`)
	assert.Equal(t, true, data["enabled"], "null is absent")
	assert.Nil(t, data["description"])
	assert.Equal(t, map[string]any{}, data["metadata"])
}

func TestCreateValidation(t *testing.T) {
	srv := Start(t)
	tests := []struct {
		body   string
		fields map[string]any
	}{
		{`{}`, map[string]any{"personalConnectorId": "is required", "name": "is required", "credentials": "is required"}},
		{`{"personalConnectorId":1,"name":"","credentials":"x"}`, map[string]any{"personalConnectorId": "must be a string", "name": "must not be empty", "credentials": "must be an object"}},
		{`{"personalConnectorId":"p","name":"n","credentials":{}}`, map[string]any{"credentials": "must not be empty"}},
		{`{"personalConnectorId":"p","name":"n","credentials":{"a":"b"},"enabled":"yes","metadata":[],"configuration":1,"description":2,"extra":1}`,
			map[string]any{"enabled": "must be a boolean", "metadata": "must be an object", "configuration": "must be an object", "description": "must be a string", "extra": "is not a known field"}},
		{`[1,2]`, map[string]any{"body": "must be a JSON object"}},
		{`null`, map[string]any{"body": "must be a JSON object"}},
		{`not json`, map[string]any{"body": "must be a JSON object"}},
		{``, map[string]any{"body": "must be a JSON object"}},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			r := newCaller(t, srv).do(http.MethodPost, basePath, tt.body)
			assert.Equal(t, tt.fields, fieldsOf(t, r))
		})
	}
	assert.Empty(t, srv.Configurations())
}

func TestCreateForbidden(t *testing.T) {
	srv, c := start(t, WithForbiddenConnectors("pcon_github"), WithForbiddenConnectors("pcon_slack"))
	for _, connector := range []string{"pcon_github", "pcon_slack"} {
		r := c.do(http.MethodPost, basePath, strings.Replace(validBody, "pcon_github", connector, 1))
		e := errorOf(t, r, http.StatusForbidden, "FORBIDDEN")
		assert.Equal(t, "authorization_error", e["type"])
		assert.Equal(t, "You do not have permission to perform this action.", e["message"])
		assert.Equal(t, "Insufficient permissions", e["system_message"])
	}
	assert.Empty(t, srv.Configurations())
	c.create(strings.Replace(validBody, "pcon_github", "pcon_clickup", 1))
	assert.Len(t, srv.Configurations(), 1)
}

func TestAuth(t *testing.T) {
	srv, c := start(t, WithAPIKeys("fk_one", "", "fk_two"))
	assert.Equal(t, "fk_one", srv.APIKey, "the first accepted key")
	for name, header := range map[string][]string{
		"missing":           {"X-API-Key", ""},
		"wrong":             {"X-API-Key", "nope"},
		"default key":       {"X-API-Key", DefaultAPIKey},
		"bearer wrong":      {"X-API-Key", "", "Authorization", "Bearer nope"},
		"not bearer":        {"X-API-Key", "", "Authorization", "Basic fk_one"},
		"wrong beats right": {"X-API-Key", "nope", "Authorization", "Bearer fk_one"},
	} {
		t.Run(name, func(t *testing.T) {
			c := newCaller(t, srv)
			for _, path := range []string{basePath, basePath + "/pconf_x", "/v1/unknown"} {
				r := c.do(http.MethodPost, path, validBody, header...)
				e := errorOf(t, r, http.StatusUnauthorized, "UNAUTHORIZED")
				assert.Equal(t, "authentication_error", e["type"])
				assert.Equal(t, "Authentication required. Please provide a valid API key.", e["message"])
				assert.Equal(t, "Missing or invalid authorization header", e["system_message"])
				assert.NotContains(t, e, "details")
			}
		})
	}
	assert.Empty(t, srv.Configurations())
	c.create(validBody)
	assert.Equal(t, http.StatusOK, c.do(http.MethodPost, basePath, validBody, "X-API-Key", "fk_two").status)
	assert.Equal(t, http.StatusOK, c.do(http.MethodPost, basePath, validBody, "X-API-Key", "", "Authorization", "Bearer fk_two").status)
	assert.Len(t, srv.Configurations(), 3)
}

func TestDefaultAPIKey(t *testing.T) {
	srv, c := start(t)
	assert.Equal(t, "fk_test_0123456789abcdef", srv.APIKey)
	c.create(validBody)
}

func TestBodyLimit(t *testing.T) {
	srv, c := start(t)
	id := c.create(validBody)["id"].(string)
	pad := func(n int) string {
		// A valid create body of exactly n bytes.
		head := `{"personalConnectorId":"pcon_github","name":"n","credentials":{"token":"`
		return head + strings.Repeat("x", n-len(head)-3) + `"}}`
	}
	require.Len(t, pad(1<<20), 1<<20)
	c.create(pad(1 << 20))

	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, basePath},
		{http.MethodPatch, basePath + "/" + id},
		{http.MethodPost, basePath + "/" + id + "/toggle"},
		{http.MethodPost, basePath + "/" + id + "/test"},
	} {
		r := c.do(tc.method, tc.path, pad(1<<20+1))
		assert.Equal(t, map[string]any{"body": "must not exceed 1048576 bytes"}, fieldsOf(t, r), tc.method+" "+tc.path)
	}
	assert.Len(t, srv.Configurations(), 2)
	reqs := srv.Requests()
	assert.Len(t, reqs[len(reqs)-1].Body, 1<<20, "the first 1 MiB: the byte read to tell an oversized body is not kept")
}

func TestRoutes(t *testing.T) {
	_, c := start(t)
	id := c.create(validBody)["id"].(string)
	for _, path := range []string{"/", "/v1/other", basePath + "/", basePath + "x", basePath + "/" + id + "/unknown", basePath + "/" + id + "/test/more", basePath + "//test"} {
		r := c.do(http.MethodGet, path, "")
		e := errorOf(t, r, http.StatusNotFound, "NOT_FOUND")
		assert.Equal(t, "not_found_error", e["type"], path)
	}
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodPut, basePath, "GET, POST"},
		{http.MethodDelete, basePath, "GET, POST"},
		{http.MethodPost, basePath + "/" + id, "GET, PATCH, DELETE"},
		{http.MethodPut, basePath + "/pconf_unknown", "GET, PATCH, DELETE"},
		{http.MethodGet, basePath + "/" + id + "/toggle", "POST"},
		{http.MethodGet, basePath + "/" + id + "/test", "POST"},
	} {
		r := c.do(tc.method, tc.path, "")
		e := errorOf(t, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
		assert.Equal(t, "invalid_request_error", e["type"])
		assert.Equal(t, tc.allow, r.header.Get("Allow"), tc.method+" "+tc.path)
	}
}

func TestWithClock(t *testing.T) {
	clock := newFakeClock()
	_, c := start(t, WithClock(clock.Now))
	id := c.create(validBody)["id"].(string)
	clock.Advance(90 * time.Second)
	r := c.do(http.MethodPatch, basePath+"/"+id, `{"name":"renamed"}`)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "2025-11-13T10:45:00Z", r.body["createdAt"])
	assert.Equal(t, "2025-11-13T10:46:30Z", r.body["updatedAt"])
	clock.Advance(time.Minute + 500*time.Millisecond)
	r = c.do(http.MethodPost, basePath+"/"+id+"/test", "")
	assert.Equal(t, "2025-11-13T10:47:30Z", r.body["testedAt"], "whole seconds")
	e := errorOf(t, c.do(http.MethodGet, basePath+"/"+id, "", "X-API-Key", "bad"), http.StatusUnauthorized, "UNAUTHORIZED")
	assert.Equal(t, "2025-11-13T10:47:30Z", e["timestamp"])
}

func TestRequestsRecorded(t *testing.T) {
	srv, c := start(t)
	c.do(http.MethodPost, basePath+"?x=1", validBody, "Idempotency-Key", "k")
	c.do(http.MethodGet, basePath, "")
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, basePath, reqs[0].Path, "the path, without the query")
	assert.Equal(t, "k", reqs[0].Header.Get("Idempotency-Key"))
	assert.Equal(t, srv.APIKey, reqs[0].Header.Get("X-API-Key"))
	assert.Equal(t, validBody, string(reqs[0].Body))
	assert.Equal(t, http.MethodGet, reqs[1].Method)
	assert.Empty(t, reqs[1].Body)

	// The result is a copy.
	reqs[0].Header.Set("X-API-Key", "changed")
	reqs[0].Body[0] = 'X'
	again := srv.Requests()
	assert.Equal(t, srv.APIKey, again[0].Header.Get("X-API-Key"))
	assert.True(t, bytes.HasPrefix(again[0].Body, []byte("{")))
}
