package freddy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aitronos/freddy-go/internal/redact"
)

// CreateConfigurationParams is the request body of
// POST /v1/personal-connectors/configurations.
//
// json.Marshal of a CreateConfigurationParams carries the real credentials:
// that is the wire format. fmt and log/slog output of it never does.
type CreateConfigurationParams struct {
	// PersonalConnectorID is the connector to configure, e.g. "pcon_github".
	// Required.
	PersonalConnectorID string `json:"personalConnectorId"`
	// Name is the human-readable label shown in dashboards. Required.
	Name string `json:"name"`
	// Configuration holds connector-specific settings; omitted when nil.
	Configuration map[string]any `json:"configuration,omitempty"`
	// Credentials is the authentication payload for the external service.
	// Required and non-empty.
	Credentials Credentials `json:"credentials"`
	// Description is omitted when empty.
	Description string `json:"description,omitempty"`
	// Metadata holds custom key-value pairs; omitted when nil.
	Metadata map[string]any `json:"metadata,omitempty"`
	// Enabled is omitted when nil, which lets the server default it to true.
	// Use Bool(false) to create a disabled configuration.
	Enabled *bool `json:"enabled,omitempty"`
}

// validate reports the first missing required field by its JSON name, so the
// caller sees the same name the API reference uses.
func (p *CreateConfigurationParams) validate() error {
	switch {
	case p.PersonalConnectorID == "":
		return &ParamError{Field: "personalConnectorId", Reason: "is required"}
	case p.Name == "":
		return &ParamError{Field: "name", Reason: "is required"}
	case len(p.Credentials) == 0:
		return &ParamError{Field: "credentials", Reason: "is required and must not be empty"}
	}
	return nil
}

// LogValue implements slog.LogValuer so that logging the params with any
// handler (JSON handlers marshal nested values) never writes the credentials.
func (p CreateConfigurationParams) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("personalConnectorId", p.PersonalConnectorID),
		slog.String("name", p.Name),
		slog.Any("credentials", p.Credentials),
	}
	if p.Configuration != nil {
		attrs = append(attrs, slog.Any("configuration", p.Configuration))
	}
	if p.Description != "" {
		attrs = append(attrs, slog.String("description", p.Description))
	}
	if p.Metadata != nil {
		attrs = append(attrs, slog.Any("metadata", p.Metadata))
	}
	if p.Enabled != nil {
		attrs = append(attrs, slog.Bool("enabled", *p.Enabled))
	}
	return slog.GroupValue(attrs...)
}

// Credentials is the authentication payload for the external service. Its
// schema varies by connector; the helpers APIKeyCredentials,
// BearerCredentials and OAuth2Credentials build the common ones.
//
// A Credentials value prints as "***REDACTED***" under every fmt verb and as
// a slog value; json.Marshal still encodes the real contents for the wire.
type Credentials map[string]any

// Format implements fmt.Formatter: every verb prints the redaction marker.
func (Credentials) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redact.Marker) }

// String returns the redaction marker, never the contents.
func (Credentials) String() string { return redact.Marker }

// GoString returns the redaction marker, never the contents.
func (Credentials) GoString() string { return redact.Marker }

// LogValue implements slog.LogValuer with the redaction marker.
func (Credentials) LogValue() slog.Value { return slog.StringValue(redact.Marker) }

// APIKeyCredentials returns {"type":"api_key","apiKey":apiKey}.
func APIKeyCredentials(apiKey string) Credentials {
	return Credentials{"type": "api_key", "apiKey": apiKey}
}

// BearerCredentials returns {"type":"bearer","token":token}.
func BearerCredentials(token string) Credentials {
	return Credentials{"type": "bearer", "token": token}
}

// OAuth2Credentials returns {"type":"oauth2","accessToken":…,"refreshToken":…,
// "expiresAt":…} with expiresAt in RFC 3339 (UTC). An empty refreshToken or a
// zero expiresAt is left out.
func OAuth2Credentials(accessToken, refreshToken string, expiresAt time.Time) Credentials {
	c := Credentials{"type": "oauth2", "accessToken": accessToken}
	if refreshToken != "" {
		c["refreshToken"] = refreshToken
	}
	if !expiresAt.IsZero() {
		c["expiresAt"] = expiresAt.UTC().Format(time.RFC3339)
	}
	return c
}

// Bool returns a pointer to v, for optional fields such as
// CreateConfigurationParams.Enabled.
func Bool(v bool) *bool { return &v }

// HealthStatus is the health of a configuration as the server reports it.
// Values other than the constants below are kept as received.
type HealthStatus string

// Known HealthStatus values.
const (
	HealthStatusHealthy   HealthStatus = "healthy"
	HealthStatusUnhealthy HealthStatus = "unhealthy"
	HealthStatusUnknown   HealthStatus = "unknown"
)

// Configuration is a Personal Connector Configuration Object as returned by
// the API. Optional fields the server sent as null are nil.
type Configuration struct {
	ID                  string
	Object              string
	UserID              string
	APIKeyID            *string
	OrganizationID      string
	PersonalConnectorID string
	Name                string
	Configuration       map[string]any
	// Credentials is always "***REDACTED***": the API never returns secrets.
	Credentials  string
	Enabled      bool
	HealthStatus HealthStatus
	LastSyncAt   *time.Time
	LastError    *string
	Description  *string
	Metadata     map[string]any
	CreatedAt    time.Time
	UpdatedAt    time.Time

	// body is the whole response body; RawJSON cuts the data object out of
	// it on demand, so that Create decodes the body in one pass.
	body []byte
}

// RawJSON returns the response's data object exactly as received, for fields
// this version of the SDK does not model. It returns nil for a Configuration
// that was not decoded from a response. Each call returns a new copy.
func (c *Configuration) RawJSON() json.RawMessage {
	if c.body == nil {
		return nil
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(c.body, &env) != nil {
		return nil
	}
	return env.Data
}

// MarshalJSON encodes the Configuration with the API's field names, so that
// printing it as JSON shows what the server returned (credentials redacted).
func (c Configuration) MarshalJSON() ([]byte, error) {
	w := wireConfiguration{
		ID: c.ID, Object: c.Object, UserID: c.UserID, APIKeyID: c.APIKeyID,
		OrganizationID: c.OrganizationID, PersonalConnectorID: c.PersonalConnectorID,
		Name: c.Name, Configuration: c.Configuration, Credentials: c.Credentials,
		Enabled: c.Enabled, HealthStatus: c.HealthStatus, LastSyncAt: c.LastSyncAt,
		LastError: c.LastError, Description: c.Description, Metadata: c.Metadata,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	return json.Marshal(w)
}

// wireConfiguration is the documented data object. The reference page spells
// three fields in both snake_case and camelCase; the camelCase twins are
// accepted on decode and never written.
type wireConfiguration struct {
	ID                  string         `json:"id"`
	Object              string         `json:"object"`
	UserID              string         `json:"userId"`
	APIKeyID            *string        `json:"apiKeyId"`
	OrganizationID      string         `json:"organization_id"`
	OrganizationIDCamel string         `json:"organizationId,omitempty"`
	PersonalConnectorID string         `json:"personalConnectorId"`
	Name                string         `json:"name"`
	Configuration       map[string]any `json:"configuration"`
	Credentials         string         `json:"credentials"`
	Enabled             bool           `json:"enabled"`
	HealthStatus        HealthStatus   `json:"healthStatus"`
	LastSyncAt          *time.Time     `json:"lastSyncAt"`
	LastError           *string        `json:"lastError"`
	Description         *string        `json:"description"`
	Metadata            map[string]any `json:"metadata"`
	CreatedAt           time.Time      `json:"created_at"`
	CreatedAtCamel      *time.Time     `json:"createdAt,omitempty"`
	UpdatedAt           time.Time      `json:"updated_at"`
	UpdatedAtCamel      *time.Time     `json:"updatedAt,omitempty"`
}

// successEnvelope is {"success":true,"data":{…}}.
type successEnvelope struct {
	Success bool               `json:"success"`
	Data    *wireConfiguration `json:"data"`
}

// decodeConfiguration decodes a 2xx body in one pass. Anything but a
// well-formed success envelope with a data object is an error: a caller never
// gets a partial or zero Configuration. body may be reused after it returns.
func decodeConfiguration(body []byte) (*Configuration, *DecodeError) {
	var env successEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		var syntaxErr *json.SyntaxError
		if errors.As(err, &syntaxErr) || len(body) == 0 {
			return nil, &DecodeError{Reason: "response is not valid JSON", Err: err, snippet: snippet(body)}
		}
		// A wrong type or an unparsable time inside valid JSON.
		return nil, &DecodeError{Reason: `response does not match the Configuration schema`, Err: err, snippet: snippet(body)}
	}
	if !env.Success {
		return nil, &DecodeError{Reason: `response lacks "success": true`, snippet: snippet(body)}
	}
	w := env.Data
	if w == nil {
		return nil, &DecodeError{Reason: `response lacks a "data" object`, snippet: snippet(body)}
	}
	if w.ID == "" {
		return nil, &DecodeError{Reason: `response "data" lacks "id"`, snippet: snippet(body)}
	}
	return &Configuration{
		ID: w.ID, Object: w.Object, UserID: w.UserID, APIKeyID: w.APIKeyID,
		OrganizationID:      firstNonZero(w.OrganizationID, w.OrganizationIDCamel),
		PersonalConnectorID: w.PersonalConnectorID, Name: w.Name,
		Configuration: w.Configuration, Credentials: w.Credentials, Enabled: w.Enabled,
		HealthStatus: w.HealthStatus, LastSyncAt: w.LastSyncAt, LastError: w.LastError,
		Description: w.Description, Metadata: w.Metadata,
		CreatedAt: firstNonZero(w.CreatedAt, deref(w.CreatedAtCamel)),
		UpdatedAt: firstNonZero(w.UpdatedAt, deref(w.UpdatedAtCamel)),
		body:      bytes.Clone(body),
	}, nil
}

// firstNonZero returns a unless it is the zero value: the documented
// spelling wins when a server sends both. The twins are pointers only where
// the zero value is a valid time, so that the common case allocates nothing.
func firstNonZero[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

func deref[T any](p *T) T {
	var zero T
	if p != nil {
		return *p
	}
	return zero
}
