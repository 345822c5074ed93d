package freddy

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateDecodesDocumentedResponse(t *testing.T) {
	mt := newMock(t)
	body := fixture(t, "create_200.json")
	mt.RegisterResponder(http.MethodPost, testEndpoint, httpmock.NewBytesResponder(200, body))
	c := newClient(t, mt)

	got, err := c.Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)

	created := time.Date(2025, 11, 13, 10, 45, 0, 0, time.UTC)
	assert.Equal(t, "pconf_abc123", got.ID)
	assert.Equal(t, "personal_connector.configuration", got.Object)
	assert.Equal(t, "user_xyz789", got.UserID)
	assert.Nil(t, got.APIKeyID)
	assert.Equal(t, "org_123", got.OrganizationID)
	assert.Equal(t, "pcon_github", got.PersonalConnectorID)
	assert.Equal(t, "My GitHub Account", got.Name)
	assert.Equal(t, map[string]any{"repository": "aitronos/freddy-backend"}, got.Configuration)
	assert.Equal(t, "***REDACTED***", got.Credentials)
	assert.True(t, got.Enabled)
	assert.Equal(t, HealthStatusUnknown, got.HealthStatus)
	assert.Nil(t, got.LastSyncAt)
	assert.Nil(t, got.LastError)
	assert.Nil(t, got.Description)
	assert.Equal(t, map[string]any{}, got.Metadata)
	assert.True(t, created.Equal(got.CreatedAt), got.CreatedAt)
	assert.True(t, created.Equal(got.UpdatedAt), got.UpdatedAt)

	var want, raw map[string]any
	require.NoError(t, json.Unmarshal(body, &want))
	require.NoError(t, json.Unmarshal(got.RawJSON(), &raw))
	assert.Equal(t, want["data"], raw)
}

func TestCreateDecodesAlternateSpellingsAndValues(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		check func(t *testing.T, c *Configuration)
	}{
		{"camelCase twins", `{"id":"pconf_1","organizationId":"org_camel","createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:06+01:00"}`,
			func(t *testing.T, c *Configuration) {
				assert.Equal(t, "org_camel", c.OrganizationID)
				assert.True(t, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC).Equal(c.CreatedAt))
				assert.True(t, time.Date(2025, 1, 2, 2, 4, 6, 0, time.UTC).Equal(c.UpdatedAt))
			}},
		{"documented spelling wins over twin", `{"id":"pconf_1","organization_id":"org_snake","organizationId":"org_camel"}`,
			func(t *testing.T, c *Configuration) { assert.Equal(t, "org_snake", c.OrganizationID) }},
		{"non-null optionals", `{"id":"pconf_1","apiKeyId":"key_1","lastSyncAt":"2025-11-13T10:45:00.5Z","lastError":"boom","description":"d","healthStatus":"healthy","enabled":false}`,
			func(t *testing.T, c *Configuration) {
				require.NotNil(t, c.APIKeyID)
				assert.Equal(t, "key_1", *c.APIKeyID)
				require.NotNil(t, c.LastSyncAt)
				assert.Equal(t, 500*time.Millisecond, time.Duration(c.LastSyncAt.Nanosecond()))
				assert.Equal(t, "boom", *c.LastError)
				assert.Equal(t, "d", *c.Description)
				assert.Equal(t, HealthStatusHealthy, c.HealthStatus)
				assert.False(t, c.Enabled)
			}},
		{"unknown health status kept", `{"id":"pconf_1","healthStatus":"degraded"}`,
			func(t *testing.T, c *Configuration) { assert.Equal(t, HealthStatus("degraded"), c.HealthStatus) }},
		{"unknown fields kept in RawJSON", `{"id":"pconf_1","newField":{"x":1}}`,
			func(t *testing.T, c *Configuration) {
				assert.JSONEq(t, `{"id":"pconf_1","newField":{"x":1}}`, string(c.RawJSON()))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := decodeConfiguration([]byte(`{"success":true,"data":` + tt.data + `}`))
			require.Nil(t, err)
			tt.check(t, c)
		})
	}
}

func TestCreateRejectsMalformedSuccessBodies(t *testing.T) {
	tests := []struct{ name, body, reason string }{
		{"not JSON", `<html>ok</html>`, "not valid JSON"},
		{"empty", ``, "not valid JSON"},
		{"truncated", `{"success":true,"data":{"id":"pconf_1"`, "not valid JSON"},
		{"success false", `{"success":false,"data":{"id":"pconf_1"}}`, `lacks "success": true`},
		{"success missing", `{"data":{"id":"pconf_1"}}`, `lacks "success": true`},
		{"data missing", `{"success":true}`, `lacks a "data" object`},
		{"data null", `{"success":true,"data":null}`, `lacks a "data" object`},
		{"data array", `{"success":true,"data":[1]}`, "does not match"},
		{"data string", `{"success":true,"data":"x"}`, "does not match"},
		{"wrong types", `{"success":true,"data":{"id":"pconf_1","enabled":"yes"}}`, "does not match"},
		{"success not bool", `{"success":"true","data":{"id":"pconf_1"}}`, "does not match"},
		{"bad time", `{"success":true,"data":{"id":"pconf_1","created_at":"yesterday"}}`, "does not match"},
		{"no id", `{"success":true,"data":{"name":"x"}}`, `lacks "id"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt := newMock(t)
			mt.RegisterResponder(http.MethodPost, testEndpoint, httpmock.NewStringResponder(200, tt.body).HeaderSet(http.Header{"X-Request-Id": {"req_decode"}}))
			c := newClient(t, mt)
			got, err := c.Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("idem-decode"))
			require.Error(t, err)
			assert.Nil(t, got)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Contains(t, de.Error(), tt.reason)
			assert.Equal(t, 200, de.StatusCode)
			assert.Equal(t, "req_decode", de.TraceID)
			assert.Equal(t, "idem-decode", de.IdempotencyKey)
			assert.Equal(t, 1, mt.GetTotalCallCount(), "a malformed 2xx is not retried")
		})
	}
}

func TestCreateValidatesParamsBeforeSending(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*CreateConfigurationParams)
		field  string
	}{
		{"personalConnectorId", func(p *CreateConfigurationParams) { p.PersonalConnectorID = "" }, "personalConnectorId"},
		{"name", func(p *CreateConfigurationParams) { p.Name = "" }, "name"},
		{"credentials nil", func(p *CreateConfigurationParams) { p.Credentials = nil }, "credentials"},
		{"credentials empty", func(p *CreateConfigurationParams) { p.Credentials = Credentials{} }, "credentials"},
		{"unencodable", func(p *CreateConfigurationParams) { p.Metadata = map[string]any{"ch": make(chan int)} }, "params"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt := newMock(t)
			c := newClient(t, mt)
			p := validParams()
			tt.mutate(&p)
			_, err := c.Configurations.Create(context.Background(), p)
			require.ErrorIs(t, err, ErrInvalidParams)
			var pe *ParamError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field)
			assert.Contains(t, err.Error(), tt.field)
			requireNoSecret(t, err.Error())
			assert.Zero(t, mt.GetTotalCallCount(), "no request may leave the process")
		})
	}
	t.Run("bad idempotency key", func(t *testing.T) {
		mt := newMock(t)
		c := newClient(t, mt)
		_, err := c.Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("a\nb"))
		require.ErrorIs(t, err, ErrInvalidParams)
		assert.Contains(t, err.Error(), "Idempotency-Key")
		assert.Zero(t, mt.GetTotalCallCount())
	})
	t.Run("nil context", func(t *testing.T) {
		c := newClient(t, newMock(t))
		//lint:ignore SA1012 the nil context is the input under test
		_, err := c.Configurations.Create(nil, validParams()) //nolint:staticcheck
		require.ErrorIs(t, err, ErrInvalidParams)
	})
}

func TestCreateSendsDocumentedRequest(t *testing.T) {
	tests := []struct {
		name   string
		params CreateConfigurationParams
		want   string
	}{
		{"minimal", CreateConfigurationParams{PersonalConnectorID: "pcon_github", Name: "n", Credentials: BearerCredentials("tok_123456")},
			`{"personalConnectorId":"pcon_github","name":"n","credentials":{"type":"bearer","token":"tok_123456"}}`},
		{"all fields, enabled false", CreateConfigurationParams{PersonalConnectorID: "pcon_clickup", Name: "Work ClickUp",
			Configuration: map[string]any{"team": "t1"}, Credentials: APIKeyCredentials("ck_123456"), Description: "desc",
			Metadata: map[string]any{"env": "prod"}, Enabled: Bool(false)},
			`{"personalConnectorId":"pcon_clickup","name":"Work ClickUp","configuration":{"team":"t1"},"credentials":{"type":"api_key","apiKey":"ck_123456"},"description":"desc","metadata":{"env":"prod"},"enabled":false}`},
		{"enabled true sent", CreateConfigurationParams{PersonalConnectorID: "p", Name: "n", Credentials: Credentials{"k": "v"}, Enabled: Bool(true)},
			`{"personalConnectorId":"p","name":"n","credentials":{"k":"v"},"enabled":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := script(reply(200, fixture(t, "create_200.json")))
			c := newClient(t, rt, WithUserAgent("my-app/1.2"))
			_, err := c.Configurations.Create(context.Background(), tt.params)
			require.NoError(t, err)
			reqs := rt.requests()
			require.Len(t, reqs, 1)
			assert.JSONEq(t, tt.want, string(reqs[0].body))
			h := reqs[0].header
			assert.Equal(t, testAPIKey, h.Get("X-API-Key"))
			assert.Equal(t, "application/json", h.Get("Content-Type"))
			assert.Equal(t, "application/json", h.Get("Accept"))
			assert.Regexp(t, `^freddy-go/`+regexp.QuoteMeta(Version)+` \(go.*\) my-app/1\.2$`, h.Get("User-Agent"))
			assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, h.Get("Idempotency-Key"))
		})
	}
}

func TestOAuth2Credentials(t *testing.T) {
	exp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	b, err := json.Marshal(OAuth2Credentials("at_123456", "rt_123456", exp))
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"oauth2","accessToken":"at_123456","refreshToken":"rt_123456","expiresAt":"2026-01-02T02:04:05Z"}`, string(b))
	b, err = json.Marshal(OAuth2Credentials("at_123456", "", time.Time{}))
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"oauth2","accessToken":"at_123456"}`, string(b))
}

func TestConfigurationMarshalJSONUsesWireNames(t *testing.T) {
	c, derr := decodeConfiguration(fixture(t, "create_200.json"))
	require.Nil(t, derr)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var env struct{ Data json.RawMessage }
	require.NoError(t, json.Unmarshal(fixture(t, "create_200.json"), &env))
	assert.JSONEq(t, string(env.Data), string(b))
}

func TestIdempotencyKeyIsUniquePerCall(t *testing.T) {
	rt := script(reply(200, fixture(t, "create_200.json")))
	c := newClient(t, rt)
	for range 50 {
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
	}
	keys := map[string]bool{}
	for _, r := range rt.requests() {
		keys[r.header.Get("Idempotency-Key")] = true
	}
	assert.Len(t, keys, 50)
	_, err := c.Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("caller-key-1"))
	require.NoError(t, err)
	reqs := rt.requests()
	assert.Equal(t, "caller-key-1", reqs[len(reqs)-1].header.Get("Idempotency-Key"))
}

var _ = errors.New
