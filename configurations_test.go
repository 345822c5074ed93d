package freddy

import (
	"context"
	"encoding/json"
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

func TestCreateRejectsMalformedSuccessBodies(t *testing.T) {
	tests := []struct{ name, body, reason string }{
		{"not JSON", `<html>ok</html>`, "not valid JSON"},
		{"empty", ``, "not valid JSON"},
		{"truncated", `{"success":true,"data":{"id":"pconf_1"`, "not valid JSON"},
		{"success false", `{"success":false,"data":{"id":"pconf_1"}}`, `says "success": false`},
		{"data missing", `{"success":true}`, `no configuration with an "id"`},
		{"data null", `{"success":true,"data":null}`, `no configuration with an "id"`},
		{"data array", `{"success":true,"data":[1]}`, "does not match"},
		{"data string", `{"success":true,"data":"x"}`, "does not match"},
		{"wrong types", `{"success":true,"data":{"id":"pconf_1","enabled":"yes"}}`, "does not match"},
		{"success not bool", `{"success":"true","data":{"id":"pconf_1"}}`, "does not match"},
		{"bad time", `{"success":true,"data":{"id":"pconf_1","created_at":"yesterday"}}`, "does not match"},
		{"no id", `{"success":true,"data":{"name":"x"}}`, `no configuration with an "id"`},
		{"bare without id", `{"name":"x"}`, `no configuration with an "id"`},
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
		{"credentials nil", func(p *CreateConfigurationParams) { p.Credentials = Credentials{} }, "credentials"},
		{"credentials empty", func(p *CreateConfigurationParams) { p.Credentials = NewCredentials(map[string]any{}) }, "credentials"},
		{"unencodable", func(p *CreateConfigurationParams) { p.Metadata = map[string]any{"ch": make(chan int)} }, "metadata"},
		{"unencodable credentials", func(p *CreateConfigurationParams) {
			p.Credentials = NewCredentials(map[string]any{"ch": make(chan int)})
		}, "credentials"},
		{"an invalid number in the credentials", func(p *CreateConfigurationParams) {
			p.Credentials = NewCredentials(map[string]any{"pin": json.Number("93847561x-" + testCredential)})
		}, "credentials"},
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
		{"enabled true sent", CreateConfigurationParams{PersonalConnectorID: "p", Name: "n", Credentials: NewCredentials(map[string]any{"k": "v"}), Enabled: Bool(true)},
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

func TestCredentialHelpers(t *testing.T) {
	exp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	assert.Equal(t, map[string]any{"type": "oauth2", "accessToken": "at_123456", "refreshToken": "rt_123456", "expiresAt": "2026-01-02T02:04:05Z"},
		OAuth2Credentials("at_123456", "rt_123456", exp).Reveal())
	assert.Equal(t, map[string]any{"type": "oauth2", "accessToken": "at_123456"}, OAuth2Credentials("at_123456", "", time.Time{}).Reveal())
	assert.Equal(t, map[string]any{"type": "api_key", "apiKey": "ck_1"}, APIKeyCredentials("ck_1").Reveal())
	assert.Equal(t, map[string]any{"type": "bearer", "token": "t_1"}, BearerCredentials("t_1").Reveal())
}

func TestNewCredentialsCopiesAndRevealCopies(t *testing.T) {
	in := map[string]any{"token": "tok_1", "nested": map[string]any{"k": "v"}, "list": []any{"a"}}
	c := NewCredentials(in)
	in["token"] = "changed"
	in["nested"].(map[string]any)["k"] = "changed"
	in["list"].([]any)[0] = "changed"
	want := map[string]any{"token": "tok_1", "nested": map[string]any{"k": "v"}, "list": []any{"a"}}
	assert.Equal(t, want, c.Reveal(), "NewCredentials copies deeply")
	out := c.Reveal()
	out["token"] = "changed"
	out["nested"].(map[string]any)["k"] = "changed"
	assert.Equal(t, want, c.Reveal(), "Reveal returns a copy")

	token := "tok_ptr"
	type tokens struct {
		Access string `json:"access"`
	}
	deep := map[string]any{"keys": []map[string]any{{"secret": "s1"}}, "nested": map[string]map[string]string{"a": {"b": "b1"}},
		"ptr": &token, "tokens": tokens{"acc"}, "raw": json.RawMessage(`{"r":1}`), "n": 12345678}
	c = NewCredentials(deep)
	deep["keys"].([]map[string]any)[0]["secret"] = "changed"
	deep["nested"].(map[string]map[string]string)["a"]["b"] = "changed"
	token = "changed"
	want = map[string]any{"keys": []any{map[string]any{"secret": "s1"}}, "nested": map[string]any{"a": map[string]any{"b": "b1"}},
		"ptr": "tok_ptr", "tokens": map[string]any{"access": "acc"}, "raw": map[string]any{"r": float64(1)}, "n": float64(12345678)}
	assert.Equal(t, want, c.Reveal(), "any nested type is copied, as JSON encodes it")
	c.Reveal()["keys"].([]any)[0].(map[string]any)["secret"] = "changed"
	assert.Equal(t, want, c.Reveal())

	assert.True(t, Credentials{}.IsZero())
	assert.True(t, NewCredentials(nil).IsZero())
	assert.True(t, NewCredentials(map[string]any{}).IsZero())
	assert.False(t, c.IsZero())
	assert.Nil(t, Credentials{}.Reveal())
}

func TestCreateSendsEmptyMapsAndOmitsNilOnes(t *testing.T) {
	tests := []struct {
		name       string
		cfg, meta  map[string]any
		wantFields map[string]any
	}{
		{"nil maps are left out", nil, nil, map[string]any{}},
		{"empty maps are sent as {}", map[string]any{}, map[string]any{}, map[string]any{"configuration": map[string]any{}, "metadata": map[string]any{}}},
		{"one of each", map[string]any{}, nil, map[string]any{"configuration": map[string]any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := script(reply(200, fixture(t, "create_200.json")))
			c := newClient(t, rt)
			p := validParams()
			p.Configuration, p.Metadata = tt.cfg, tt.meta
			_, err := c.Configurations.Create(context.Background(), p)
			require.NoError(t, err)
			var sent map[string]any
			require.NoError(t, json.Unmarshal([]byte(rt.requests()[0].body), &sent))
			for _, k := range []string{"configuration", "metadata"} {
				want, ok := tt.wantFields[k]
				got, present := sent[k]
				assert.Equal(t, ok, present, k)
				assert.Equal(t, want, got, k)
			}
		})
	}
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

// TestCreateBodyIsWhatEncodingJSONWrites: the body is written member by
// member for speed; it must be byte for byte what encoding/json writes for
// the documented request object, escapes included.
func TestCreateBodyIsWhatEncodingJSONWrites(t *testing.T) {
	type wire struct {
		PersonalConnectorID string          `json:"personalConnectorId"`
		Name                string          `json:"name"`
		Configuration       map[string]any  `json:"configuration,omitzero"`
		Credentials         json.RawMessage `json:"credentials"`
		Description         string          `json:"description,omitempty"`
		Metadata            map[string]any  `json:"metadata,omitzero"`
		Enabled             *bool           `json:"enabled,omitempty"`
	}
	for _, p := range []CreateConfigurationParams{
		validParams(),
		{PersonalConnectorID: "p<&>\"\\\u2028é\x7f", Name: "n\x01\t", Credentials: BearerCredentials("t"), Description: "d<", Metadata: map[string]any{}, Enabled: Bool(false)},
		{PersonalConnectorID: "p", Name: "n", Credentials: NewCredentials(map[string]any{"k": 1}), Configuration: map[string]any{"b": []any{1, "x"}, "a": nil}, Enabled: Bool(true)},
	} {
		got, err := p.body()
		require.NoError(t, err)
		creds, err := p.Credentials.encoded()
		require.NoError(t, err)
		want, err := json.Marshal(wire{p.PersonalConnectorID, p.Name, p.Configuration, creds, p.Description, p.Metadata, p.Enabled})
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got))
	}
}
