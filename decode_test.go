package freddy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The decoders read every shape listed in the contract's tolerance rules.

func envelope(data string) string { return `{"success":true,"data":` + data + `}` }

func TestDecodeConfigurationEnvelopeOrBare(t *testing.T) {
	get := string(fixture(t, "get_200.json"))
	for name, body := range map[string]string{
		"documented bare (Get page)": get,
		"enveloped":                  envelope(get),
		"bare, leading whitespace":   "\n\t " + get,
	} {
		t.Run(name, func(t *testing.T) {
			c, derr := decodeConfiguration([]byte(body))
			require.Nil(t, derr)
			at := time.Date(2025, 10, 7, 10, 45, 0, 0, time.UTC)
			assert.Equal(t, "pconf_abc123", c.ID)
			assert.Equal(t, "personal_connector.configuration", c.Object)
			assert.Equal(t, "user_xyz789", c.UserID)
			assert.Nil(t, c.APIKeyID)
			assert.Equal(t, "org_123", c.OrganizationID, "organizationId read")
			assert.Equal(t, "pcon_github", c.PersonalConnectorID)
			assert.Equal(t, "My Backend Repo", c.Name)
			assert.Equal(t, "main", c.Configuration["branch"])
			assert.Equal(t, "***REDACTED***", c.Credentials)
			assert.True(t, c.Enabled)
			assert.Equal(t, HealthStatusHealthy, c.HealthStatus)
			require.NotNil(t, c.LastSyncAt)
			assert.True(t, at.Equal(*c.LastSyncAt))
			assert.Nil(t, c.LastError)
			require.NotNil(t, c.Description)
			assert.True(t, at.Equal(c.CreatedAt), "createdAt read")
			assert.True(t, at.Equal(c.UpdatedAt), "updatedAt read")
			assert.JSONEq(t, get, string(c.RawJSON()), "RawJSON is the object, whichever envelope carried it")
		})
	}
}

// TestDecodeEverySpelling sends each documented field in the spelling the
// Create page does not use, then in both: the Create page's spelling wins.
func TestDecodeEverySpelling(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	other := `{"id":"pconf_1","user_id":"u_snake","api_key_id":"k_snake","organizationId":"org_camel",` +
		`"personal_connector_id":"pcon_snake","health_status":"unhealthy","last_sync_at":"2025-01-02T03:04:05Z",` +
		`"last_error":"boom","createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z"}`
	c, derr := decodeConfiguration([]byte(other))
	require.Nil(t, derr)
	assert.Equal(t, "u_snake", c.UserID)
	assert.Equal(t, "k_snake", *c.APIKeyID)
	assert.Equal(t, "org_camel", c.OrganizationID)
	assert.Equal(t, "pcon_snake", c.PersonalConnectorID)
	assert.Equal(t, HealthStatusUnhealthy, c.HealthStatus)
	assert.True(t, at.Equal(*c.LastSyncAt))
	assert.Equal(t, "boom", *c.LastError)
	assert.True(t, at.Equal(c.CreatedAt))
	assert.True(t, at.Equal(c.UpdatedAt))

	both := `{"id":"pconf_1","userId":"u_doc","user_id":"u_other","organization_id":"org_doc","organizationId":"org_other",` +
		`"healthStatus":"healthy","health_status":"unhealthy","created_at":"2025-01-02T03:04:05Z","createdAt":"2030-01-01T00:00:00Z"}`
	c, derr = decodeConfiguration([]byte(envelope(both)))
	require.Nil(t, derr)
	assert.Equal(t, "u_doc", c.UserID)
	assert.Equal(t, "org_doc", c.OrganizationID)
	assert.Equal(t, HealthStatusHealthy, c.HealthStatus)
	assert.True(t, at.Equal(c.CreatedAt))
}

func TestDecodeCredentialsNeverSurface(t *testing.T) {
	for _, creds := range []string{`"***REDACTED***"`, `{"token":"` + testCredential + `"}`, `"` + testCredential + `"`, `null`, `[1,2]`, `42`} {
		body := envelope(`{"id":"pconf_1","credentials":` + creds + `}`)
		c, derr := decodeConfiguration([]byte(body))
		require.Nil(t, derr, creds)
		assert.Equal(t, "***REDACTED***", c.Credentials, creds)
		out, err := json.Marshal(c)
		require.NoError(t, err)
		requireNoSecret(t, string(out))
		requireNoSecret(t, fmt.Sprintf("%+v %#v", *c, c))
		requireNoSecret(t, string(c.RawJSON()))
		assert.Contains(t, string(c.RawJSON()), `"credentials":"***REDACTED***"`)
	}
	p, derr := decodeList([]byte(`{"data":[{"id":"a","credentials":{"token":"`+testCredential+`"},"metadata":{"deep":{"credentials":"`+testCredential+`"}}}]}`), 20)
	require.Nil(t, derr)
	requireNoSecret(t, string(p.RawJSON()))
	requireNoSecret(t, string(p.Data[0].RawJSON()))
	assert.JSONEq(t, `{"id":"a","credentials":"***REDACTED***","metadata":{"deep":{"credentials":"***REDACTED***"}}}`, string(p.Data[0].RawJSON()))

	// However the name is spelled, duplicated or escaped; order, numbers
	// and text kept.
	for body, want := range map[string]string{
		`{"id":"a","cred\u0065ntials":{"t":"` + testCredential + `"},"n":12345678901234567890}`:  `{"id":"a","credentials":"***REDACTED***","n":12345678901234567890}`,
		`{"id":"a","Credentials":{"t":"` + testCredential + `"},"name":"<a&b>"}`:                 `{"id":"a","Credentials":"***REDACTED***","name":"<a&b>"}`,
		`{"id":"a","credentials":{"t":"` + testCredential + `"},"credentials":"***REDACTED***"}`: `{"id":"a","credentials":"***REDACTED***","credentials":"***REDACTED***"}`,
		`{"id":"a","credentials":"***REDACTED***","z":1,"b":[1,{"x":null}]}`:                     `{"id":"a","credentials":"***REDACTED***","z":1,"b":[1,{"x":null}]}`,
	} {
		c, derr := decodeConfiguration([]byte(body))
		require.Nil(t, derr, body)
		assert.Equal(t, want, string(c.RawJSON()), body)
	}
}

func TestDecodeKeepsUnknownFieldsAndKeysInsideObjects(t *testing.T) {
	data := `{"id":"pconf_1","shared":true,"configuration":{"Some_Key":1,"other-key":{"x_y":2}},"metadata":{"createdAt":"kept as is"}}`
	for _, body := range []string{data, envelope(data)} {
		c, derr := decodeConfiguration([]byte(body))
		require.Nil(t, derr)
		assert.JSONEq(t, data, string(c.RawJSON()))
		assert.Equal(t, map[string]any{"Some_Key": float64(1), "other-key": map[string]any{"x_y": float64(2)}}, c.Configuration, "connector keys are never renamed")
		assert.Equal(t, map[string]any{"createdAt": "kept as is"}, c.Metadata)
	}
}

func TestConfigurationJSONRoundTrip(t *testing.T) {
	ts := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	sync := ts("2025-11-13T10:46:00Z")
	in := Configuration{
		ID: "pconf_1", Object: "personal_connector.configuration", UserID: "u_1", APIKeyID: String("key_1"),
		OrganizationID: "org_1", PersonalConnectorID: "pcon_github", Name: "n",
		Configuration: map[string]any{"repository": "r"}, Credentials: "***REDACTED***", Enabled: true,
		HealthStatus: HealthStatusUnhealthy, LastSyncAt: &sync, LastError: String("e"), Description: String("d"),
		Metadata: map[string]any{"team": "a"}, CreatedAt: ts("2025-11-13T10:45:00Z"), UpdatedAt: ts("2025-11-13T10:47:00Z"),
	}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"organization_id":"org_1"`, "written with the Create page's names")
	assert.Contains(t, string(b), `"created_at":"2025-11-13T10:45:00Z"`)
	var out Configuration
	require.NoError(t, json.Unmarshal(b, &out))
	assert.JSONEq(t, string(b), string(out.RawJSON()))
	out.raw = nil
	assert.Equal(t, in, out, "every field restored")

	draft := Configuration{Name: "draft", Configuration: map[string]any{"a": "b"}}
	b, err = json.Marshal(draft)
	require.NoError(t, err)
	var back Configuration
	require.NoError(t, json.Unmarshal(b, &back), "a Configuration without an ID reads back too")
	back.raw = nil
	draft.Credentials = "***REDACTED***" // what every decoded Configuration holds
	assert.Equal(t, draft, back)
	type holder struct{ Items []Configuration }
	b, err = json.Marshal(holder{[]Configuration{in, draft}})
	require.NoError(t, err)
	var h holder
	require.NoError(t, json.Unmarshal(b, &h))
	require.Len(t, h.Items, 2)
	assert.Equal(t, "pconf_1", h.Items[0].ID)

	kept := in
	require.NoError(t, json.Unmarshal([]byte(`null`), &kept))
	assert.Equal(t, in, kept, "null changes nothing, as for every other type")

	var bad Configuration
	err = json.Unmarshal([]byte(`["not","an","object"]`), &bad)
	var de *DecodeError
	assert.ErrorAs(t, err, &de)
}

func TestConfigurationPrintsWithoutRawBytes(t *testing.T) {
	c, derr := decodeConfiguration(fixture(t, "create_200.json"))
	require.Nil(t, derr)
	decimalBytes := regexp.MustCompile(`\[\d+ \d+ \d+`)
	for _, out := range []string{fmt.Sprintf("%+v", *c), fmt.Sprintf("%v", c), fmt.Sprintf("%#v", *c)} {
		assert.NotRegexp(t, decimalBytes, out)
		assert.NotContains(t, out, `"success"`, "the raw body is not printed")
	}
}

func TestDecodeListShapes(t *testing.T) {
	item := func(id string) string { return `{"id":"` + id + `","name":"` + id + `"}` }
	items := item("pconf_1") + "," + item("pconf_2")
	tests := []struct {
		name            string
		body            string
		limit           int
		hasMore         bool
		first, last     string
		pageRaw, item1R string
	}{
		{"bare list object, camelCase", `{"object":"list","data":[` + items + `],"firstId":"f","lastId":"l","hasMore":true}`, 20, true, "f", "l",
			`{"object":"list","data":[` + items + `],"firstId":"f","lastId":"l","hasMore":true}`, item("pconf_2")},
		{"bare list object, snake_case", `{"object":"list","data":[` + items + `],"first_id":"f","last_id":"l","has_more":true}`, 20, true, "f", "l",
			`{"object":"list","data":[` + items + `],"first_id":"f","last_id":"l","has_more":true}`, item("pconf_2")},
		{"envelope around a list object", envelope(`{"object":"list","data":[` + items + `],"hasMore":false}`), 2, false, "pconf_1", "pconf_2",
			`{"object":"list","data":[` + items + `],"hasMore":false}`, item("pconf_2")},
		{"envelope around an array", envelope(`[` + items + `]`), 2, true, "pconf_1", "pconf_2", envelope(`[` + items + `]`), item("pconf_2")},
		{"bare array, shorter than the limit", ` [` + items + `]`, 20, false, "pconf_1", "pconf_2", `[` + items + `]`, item("pconf_2")},
		{"bare array, as long as the limit", `[` + items + `]`, 2, true, "pconf_1", "pconf_2", `[` + items + `]`, item("pconf_2")},
		{"empty", `{"object":"list","data":[],"firstId":null,"lastId":null}`, 20, false, "", "", `{"object":"list","data":[],"firstId":null,"lastId":null}`, ""},
		{"documented example", string(fixture(t, "list_200.json")), 20, false, "pconf_abc123", "pconf_abc123", string(fixture(t, "list_200.json")), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, derr := decodeList([]byte(tt.body), tt.limit)
			require.Nil(t, derr)
			assert.Equal(t, tt.hasMore, p.HasMore)
			assert.Equal(t, tt.first, p.FirstID)
			assert.Equal(t, tt.last, p.LastID)
			assert.JSONEq(t, tt.pageRaw, string(p.RawJSON()))
			if tt.item1R != "" {
				require.Len(t, p.Data, 2)
				assert.Equal(t, "pconf_2", p.Data[1].ID)
				assert.JSONEq(t, tt.item1R, string(p.Data[1].RawJSON()))
			}
		})
	}
	t.Run("documented item decodes fully", func(t *testing.T) {
		p, derr := decodeList(fixture(t, "list_200.json"), 20)
		require.Nil(t, derr)
		require.Len(t, p.Data, 1)
		c := p.Data[0]
		assert.Equal(t, "org_123", c.OrganizationID)
		assert.Equal(t, []any{"src/", "docs/"}, c.Configuration["paths"])
		assert.Equal(t, "***REDACTED***", c.Credentials)
	})
}

func TestDecodeListRejects(t *testing.T) {
	for body, reason := range map[string]string{
		`{"object":"list"}`:                   `no "data" array`,
		`{"success":false,"data":[]}`:         `"success": false`,
		envelope(`{"object":"list"}`):         `no "data" array`,
		`{"data":[{"name":"no id"}]}`:         `item 0 has no "id"`,
		`{"data":[{"id":"x","enabled":"y"}]}`: "does not match",
		`[{"id":`:                             "not valid JSON",
		`"list"`:                              "does not match",
	} {
		_, derr := decodeList([]byte(body), 20)
		require.NotNil(t, derr, body)
		assert.Contains(t, derr.Error(), reason, body)
	}
}

func TestDecodeTestResult(t *testing.T) {
	healthy := string(fixture(t, "test_healthy.json"))
	for _, body := range []string{healthy, envelope(healthy)} {
		r, derr := decodeTestResult([]byte(body))
		require.Nil(t, derr)
		assert.Equal(t, HealthStatusHealthy, r.Status)
		assert.Equal(t, "Connection successful. MCP server is responding correctly.", r.Message)
		assert.Equal(t, TestDetails{ServerURL: "http://clickup-mcp:8000", ServerType: "http", ServerVersion: "1.0.0",
			ResponseTime: 145 * time.Millisecond, AvailableTools: 8}, r.Details)
		assert.True(t, time.Date(2025, 10, 7, 12, 30, 0, 0, time.UTC).Equal(r.TestedAt))
		assert.JSONEq(t, healthy, string(r.RawJSON()))
	}
	r, derr := decodeTestResult(fixture(t, "test_unhealthy.json"))
	require.Nil(t, derr, "an unhealthy result is an answer")
	assert.Equal(t, HealthStatusUnhealthy, r.Status)
	assert.Zero(t, r.Details.ResponseTime)

	r, derr = decodeTestResult([]byte(`{"status":"healthy","details":{"server_url":"u","response_time_ms":1.5,"available_tools":3},"tested_at":"2025-10-07T12:30:00Z"}`))
	require.Nil(t, derr)
	assert.Equal(t, "u", r.Details.ServerURL)
	assert.Equal(t, 1500*time.Microsecond, r.Details.ResponseTime)
	assert.Equal(t, 3, r.Details.AvailableTools)
	assert.False(t, r.TestedAt.IsZero())

	_, derr = decodeTestResult([]byte(`{"message":"no status"}`))
	require.NotNil(t, derr)
}

func TestDecodeDeleted(t *testing.T) {
	for _, ok := range []struct {
		status int
		body   string
	}{{204, ""}, {200, string(fixture(t, "delete_200.json"))}, {200, envelope(`{"id":"pconf_1","deleted":true}`)}} {
		assert.Nil(t, decodeDeleted(ok.status, []byte(ok.body)), "%d %s", ok.status, ok.body)
	}
	for body, reason := range map[string]string{
		`{"deleted":false}`:               `"deleted": false`,
		envelope(`{"deleted":false}`):     `"deleted": false`,
		`{"success":false}`:               `"success": false`,
		`<html>`:                          "not valid JSON",
		`{"deleted":"yes"}`:               "does not match",
		``:                                "response is empty",
		`{"success":true}`:                `does not say "deleted": true`,
		strings.Repeat(" ", 3) + `{"x":1`: "not valid JSON",
	} {
		derr := decodeDeleted(200, []byte(body))
		require.NotNil(t, derr, body)
		assert.Contains(t, derr.Error(), reason)
	}
}

// TestDecodeObjectStartsFresh: decodeObject reuses its decoding target; a
// configuration decoded after a fuller one has none of the first one's
// members, in either shape, and the first one's maps stay its own.
func TestDecodeObjectStartsFresh(t *testing.T) {
	full := `{"id":"pconf_1","object":"personal_connector.configuration","userId":"u","user_id":"u2","apiKeyId":"k",` +
		`"organization_id":"o","personalConnectorId":"pcon_github","name":"n","configuration":{"a":1},"credentials":{"t":"x"},` +
		`"enabled":true,"healthStatus":"healthy","lastSyncAt":"2025-10-07T10:45:00Z","lastError":"e","description":"d",` +
		`"metadata":{"m":"v"},"created_at":"2025-10-07T10:45:00Z","updatedAt":"2025-10-07T10:45:00Z"}`
	for i := range 10 {
		first, derr := decodeObject([]byte(map[bool]string{true: full, false: `{"success":true,"data":` + full + `}`}[i%2 == 0]))
		require.Nil(t, derr)
		for _, bare := range []string{`{"id":"pconf_2"}`, `{"success":true,"data":{"id":"pconf_2"}}`} {
			c, derr := decodeObject([]byte(bare))
			require.Nil(t, derr)
			assert.Equal(t, Configuration{ID: "pconf_2", Credentials: c.Credentials, raw: c.raw}, *c, "nothing of the fuller one decoded before")
		}
		assert.Equal(t, map[string]any{"a": float64(1)}, first.Configuration)
		assert.Equal(t, map[string]any{"m": "v"}, first.Metadata)
		assert.Equal(t, "d", *first.Description)
	}
}
