package freddy

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aitronos/freddy-go/internal/redact"
)

// Credentials is the authentication payload for the external service. Its
// schema varies by connector; NewCredentials takes any JSON object, and
// APIKeyCredentials, BearerCredentials and OAuth2Credentials build the common
// ones. The zero value holds nothing.
//
// A Credentials value is opaque: fmt (every verb), log/slog (every handler)
// and encoding/json print it as "***REDACTED***", and so does any value that
// holds it, exported or not, at any depth. Reveal is the only way back to the
// contents. The SDK encodes the real contents only into the request body.
type Credentials struct {
	// fields is a func, not a map: fmt and reflection-based dumpers print a
	// func as an address and never call it, so a Credentials held in an
	// unexported field, where fmt cannot reach its Format method, still
	// prints nothing secret.
	fields func() map[string]any
}

// NewCredentials returns Credentials holding a deep copy of fields (nested
// maps and slices are copied too), so later changes to fields do not reach
// it. A nil or empty fields gives a Credentials for which IsZero is true.
func NewCredentials(fields map[string]any) Credentials {
	if len(fields) == 0 {
		return Credentials{}
	}
	m := deepCopy(fields).(map[string]any)
	return Credentials{fields: func() map[string]any { return m }}
}

// IsZero reports whether c holds no fields.
func (c Credentials) IsZero() bool { return len(c.raw()) == 0 }

// Reveal returns a deep copy of the fields, or nil for a zero Credentials.
// It is the only way to read them back; changing the copy changes nothing.
func (c Credentials) Reveal() map[string]any {
	m := c.raw()
	if m == nil {
		return nil
	}
	return deepCopy(m).(map[string]any)
}

// raw returns the fields themselves, for encoding the request body and for
// building the scrubber. Callers must not modify or keep them.
func (c Credentials) raw() map[string]any {
	if c.fields == nil {
		return nil
	}
	return c.fields()
}

// Format implements fmt.Formatter: every verb prints "***REDACTED***".
func (Credentials) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redact.Marker) }

// String returns "***REDACTED***", never the contents.
func (Credentials) String() string { return redact.Marker }

// GoString returns "***REDACTED***", never the contents.
func (Credentials) GoString() string { return redact.Marker }

// LogValue implements slog.LogValuer with "***REDACTED***".
func (Credentials) LogValue() slog.Value { return slog.StringValue(redact.Marker) }

// MarshalJSON returns the JSON string "***REDACTED***", so that json.Marshal
// of any value holding Credentials never writes a secret.
func (Credentials) MarshalJSON() ([]byte, error) { return []byte(`"` + redact.Marker + `"`), nil }

// APIKeyCredentials returns {"type":"api_key","apiKey":apiKey}.
func APIKeyCredentials(apiKey string) Credentials {
	return NewCredentials(map[string]any{"type": "api_key", "apiKey": apiKey})
}

// BearerCredentials returns {"type":"bearer","token":token}.
func BearerCredentials(token string) Credentials {
	return NewCredentials(map[string]any{"type": "bearer", "token": token})
}

// OAuth2Credentials returns {"type":"oauth2","accessToken":…,"refreshToken":…,
// "expiresAt":…} with expiresAt in RFC 3339 (UTC). An empty refreshToken or a
// zero expiresAt is left out.
func OAuth2Credentials(accessToken, refreshToken string, expiresAt time.Time) Credentials {
	m := map[string]any{"type": "oauth2", "accessToken": accessToken}
	if refreshToken != "" {
		m["refreshToken"] = refreshToken
	}
	if !expiresAt.IsZero() {
		m["expiresAt"] = expiresAt.UTC().Format(time.RFC3339)
	}
	return NewCredentials(m)
}

// deepCopy copies the JSON-shaped containers in v; other values are shared.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	case map[string]string:
		out := make(map[string]string, len(t))
		for k, e := range t {
			out[k] = e
		}
		return out
	case []string:
		return append([]string(nil), t...)
	}
	return v
}
