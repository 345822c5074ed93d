package freddytest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Both control endpoints that read a body read it by one rule: a misspelt
// member or data after the value is a 400 naming it, and nothing changes. A
// health override in particular survives a PUT that misspells "status".
func TestControlBodiesRefuseUnknownMembersAndTrailingData(t *testing.T) {
	_, c := start(t, WithControlAPI())
	id := c.createN(1)[0]
	health := "/_freddytest/configurations/" + id + "/health"
	require.Equal(t, http.StatusOK, c.control("PUT", health, `{"status":"unhealthy","message":"Boom."}`).status)

	for _, tc := range []struct {
		path, body, want string
	}{
		{health, `{"health":"healthy"}`, `unknown field "health"`},
		{health, `{"status":"healthy","mesage":"ok"}`, `unknown field "mesage"`},
		{health, `{"status":"healthy"} {}`, "data after the object"},
		{"/_freddytest/faults", `[{"kind":"drop","paht":"/"}]`, `unknown field "paht"`},
		{"/_freddytest/faults", `[{"kind":"drop"}] []`, "data after the array"},
	} {
		r := c.control(methodFor(tc.path), tc.path, tc.body)
		assert.Equal(t, http.StatusBadRequest, r.status, tc.body)
		assert.Contains(t, r.body["error"], tc.want, tc.body)
	}
	check := c.do(http.MethodPost, basePath+"/"+id+"/test", "")
	assert.Equal(t, "unhealthy", check.body["status"], "the override is still in place")
	assert.Equal(t, http.StatusOK, c.do(http.MethodGet, basePath, "").status, "no fault was queued")
	assert.Equal(t, http.StatusOK, c.control("PUT", health, "{\"status\":\"\"}\n").status, "a final newline is fine")
}

// methodFor is the method of the control endpoint at path that reads a
// body.
func methodFor(path string) string {
	if path == "/_freddytest/faults" {
		return http.MethodPost
	}
	return http.MethodPut
}
