package freddytest

import (
	"encoding/json"
	"net/http"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keysOf returns the member names of a JSON object, sorted.
func keysOf(t *testing.T, raw []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &m), string(raw))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Every control endpoint answers exactly the members WithControlAPI (and
// docs/testing.md's emulator section) documents, and a listed request has exactly
// the documented fields, body a JSON string.
func TestControlAPIAnswersAsDocumented(t *testing.T) {
	_, c := start(t, WithControlAPI())
	id := c.createN(1)[0]
	for _, tc := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"POST", "/_freddytest/faults", `[{"kind":"delay"}]`, 200, `{"queued":1}`},
		{"DELETE", "/_freddytest/faults", "", 200, `{"cleared":true}`},
		{"PUT", "/_freddytest/configurations/" + id + "/health", `{"status":"unhealthy"}`, 200, `{"id":"` + id + `","status":"unhealthy"}`},
		{"PUT", "/_freddytest/configurations/pconf_nope/health", `{"status":"healthy"}`, 404, ``},
		{"POST", "/_freddytest/faults", `[{"kind":"nope"}]`, 400, ``},
		{"GET", "/_freddytest/nothing", "", 404, ``},
	} {
		r := c.control(tc.method, tc.path, tc.body)
		require.Equal(t, tc.status, r.status, tc.path)
		if tc.want == "" {
			assert.Equal(t, []string{"error"}, keysOf(t, r.raw), `an error is {"error": "…"}`)
			continue
		}
		assert.JSONEq(t, tc.want, string(r.raw))
	}

	r := c.control("GET", "/_freddytest/configurations", "")
	require.Equal(t, 200, r.status)
	var configs struct{ Data []json.RawMessage }
	require.NoError(t, json.Unmarshal(r.raw, &configs))
	require.Len(t, configs.Data, 1)
	got := c.do(http.MethodGet, basePath+"/"+id, "")
	assert.Equal(t, keysOf(t, got.raw), keysOf(t, configs.Data[0]), "a listed configuration is what Get answers")
	assert.Contains(t, keysOf(t, configs.Data[0]), "organizationId")

	r = c.control("GET", "/_freddytest/requests", "")
	require.Equal(t, 200, r.status)
	assert.Equal(t, []string{"dropped", "requests"}, keysOf(t, r.raw))
	var listing struct{ Requests []json.RawMessage }
	require.NoError(t, json.Unmarshal(r.raw, &listing))
	require.NotEmpty(t, listing.Requests)
	for _, req := range listing.Requests {
		assert.Equal(t, []string{"body", "header", "method", "path", "proto", "seq"}, keysOf(t, req))
		var fields struct {
			Seq    json.Number
			Header map[string][]string
			Body   string
		}
		require.NoError(t, json.Unmarshal(req, &fields), "seq a number, header a map of lists, body a string")
	}

	r = c.control("POST", "/_freddytest/reset", "")
	assert.JSONEq(t, `{"reset":true}`, string(r.raw))
}
