package freddytest

import (
	"net/http"
	"testing"
	"time"

	freddy "github.com/aitronos/freddy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHealthCheckHealthy(t *testing.T) {
	clock := newFakeClock()
	srv, c := start(t, WithClock(clock.Now))
	id := c.create(`{"personalConnectorId":"pcon_clickup","name":"n","credentials":{"token":"t"}}`)["id"].(string)
	clock.Advance(time.Minute)
	r := c.do(http.MethodPost, basePath+"/"+id+"/test", `{"ignored":true}`)
	require.Equal(t, http.StatusOK, r.status)
	assertCommonHeaders(t, r)
	assert.JSONEq(t, `{"status":"healthy","message":"Connection successful. MCP server is responding correctly.",
		"details":{"serverUrl":"http://clickup-mcp:8000","serverType":"http","responseTimeMs":145,"serverVersion":"1.0.0","availableTools":8},
		"testedAt":"2025-11-13T10:46:00Z"}`, string(r.raw))

	got, _ := srv.Configuration(id)
	assert.Equal(t, freddy.HealthStatusHealthy, got.HealthStatus)
	require.NotNil(t, got.LastSyncAt)
	assert.Equal(t, t0.Add(time.Minute), *got.LastSyncAt)
	assert.Nil(t, got.LastError)
	assert.Equal(t, t0, got.UpdatedAt, "a health check is not an update")

	obj := c.do(http.MethodGet, basePath+"/"+id, "").body
	assert.Equal(t, "healthy", obj["healthStatus"])
	assert.Equal(t, "2025-11-13T10:46:00Z", obj["lastSyncAt"])
	assert.Nil(t, obj["lastError"])
}

func TestHealthCheckInvalidCredentials(t *testing.T) {
	clock := newFakeClock()
	srv, c := start(t, WithClock(clock.Now))
	id := c.create(`{"personalConnectorId":"pcon_github","name":"n","credentials":{"type":"bearer","token":"invalid"}}`)["id"].(string)
	r := c.do(http.MethodPost, basePath+"/"+id+"/test", "")
	require.Equal(t, http.StatusOK, r.status, "an unhealthy result is an answer, not an error")
	assert.JSONEq(t, `{"status":"unhealthy","message":"Authentication failed. Invalid API key.",
		"details":{"serverUrl":"http://github-mcp:8000","serverType":"http"},"testedAt":"2025-11-13T10:45:00Z"}`, string(r.raw))
	obj := c.do(http.MethodGet, basePath+"/"+id, "").body
	assert.Equal(t, "unhealthy", obj["healthStatus"])
	assert.Equal(t, "2025-11-13T10:45:00Z", obj["lastSyncAt"])
	assert.Equal(t, "Authentication failed. Invalid API key.", obj["lastError"])
	got, _ := srv.Configuration(id)
	require.NotNil(t, got.LastError)
	assert.Equal(t, "Authentication failed. Invalid API key.", *got.LastError)
}

func TestSetHealth(t *testing.T) {
	clock := newFakeClock()
	srv, c := start(t, WithClock(clock.Now))
	id := c.create(validBody)["id"].(string)
	assert.False(t, srv.SetHealth("pconf_unknown", freddy.HealthStatusUnhealthy, "x"))

	require.True(t, srv.SetHealth(id, freddy.HealthStatusUnhealthy, "Connection refused."))
	got, _ := srv.Configuration(id)
	assert.Equal(t, freddy.HealthStatusUnknown, got.HealthStatus, "nothing changes before a check")
	for range 2 {
		clock.Advance(time.Second)
		r := c.do(http.MethodPost, basePath+"/"+id+"/test", "")
		assert.Equal(t, "unhealthy", r.body["status"], "every later check")
		assert.Equal(t, "Connection refused.", r.body["message"])
		assert.Equal(t, map[string]any{"serverUrl": "http://github-mcp:8000", "serverType": "http"}, r.body["details"])
	}
	got, _ = srv.Configuration(id)
	assert.Equal(t, freddy.HealthStatusUnhealthy, got.HealthStatus)
	assert.Equal(t, "Connection refused.", *got.LastError)
	assert.Equal(t, t0.Add(2*time.Second), *got.LastSyncAt)

	require.True(t, srv.SetHealth(id, freddy.HealthStatusUnhealthy, ""))
	assert.Equal(t, "Authentication failed. Invalid API key.", c.do(http.MethodPost, basePath+"/"+id+"/test", "").body["message"])

	require.True(t, srv.SetHealth(id, freddy.HealthStatusHealthy, ""))
	r := c.do(http.MethodPost, basePath+"/"+id+"/test", "")
	assert.Equal(t, "healthy", r.body["status"])
	assert.Equal(t, "Connection successful. MCP server is responding correctly.", r.body["message"])
	got, _ = srv.Configuration(id)
	assert.Nil(t, got.LastError, "a healthy check clears lastError")

	// The override beats the credentials convention; removing it brings
	// the convention back.
	bad := c.create(`{"personalConnectorId":"pcon_github","name":"n","credentials":{"token":"invalid"}}`)["id"].(string)
	require.True(t, srv.SetHealth(bad, freddy.HealthStatusHealthy, "fine"))
	assert.Equal(t, "healthy", c.do(http.MethodPost, basePath+"/"+bad+"/test", "").body["status"])
	require.True(t, srv.SetHealth(bad, "", ""))
	assert.Equal(t, "unhealthy", c.do(http.MethodPost, basePath+"/"+bad+"/test", "").body["status"])
}
