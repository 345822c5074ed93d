package freddy

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aitronos/freddy-go/internal/redact"
)

// Credentials is the authentication payload for the external service. Its
// schema varies by connector; NewCredentials takes any JSON object, and
// APIKeyCredentials, [BearerCredentials] and OAuth2Credentials build the common
// ones. The zero value holds nothing.
//
// A [Credentials] value is opaque: fmt (every verb), log/slog (every handler)
// and encoding/json print it as "***REDACTED***", and no value that holds
// it, exported or not, at any depth, prints its contents (an unexported
// field, which fmt prints without methods, shows an address). Reveal is the
// only way back to the contents. The SDK encodes the real contents only into
// the request body. reflect.DeepEqual compares two by content.
type Credentials struct {
	// sealed is a pointer so that reflect.DeepEqual (and so testify's
	// assert.Equal and gomock.Eq) compare credentials by content, and so
	// that fmt, which prints a pointer held in a field as an address, never
	// reaches the bytes when a [Credentials] sits in an unexported field,
	// beyond its Format method. The bytes are masked too, for dumpers that
	// do follow pointers (spew, testify's diffs).
	sealed *sealedFields
}

// sealedFields is the JSON encoding of the fields, made once by
// NewCredentials (an immutable copy, exactly what is sent and what the
// scrubber looks for), XORed with a pad drawn at process start.
type sealedFields struct {
	masked []byte
	// err is why the fields could not be encoded, in words that quote
	// none of them.
	err error
}

// NewCredentials returns [Credentials] holding fields as JSON encodes them
// (structs by their json tags, invalid UTF-8 as U+FFFD): later changes to
// fields, at any depth, do not reach it. A nil or empty fields gives a
// Credentials for which IsZero is true. Fields JSON cannot encode (a
// channel, say) make the call that sends them return a [*ParamError].
func NewCredentials(fields map[string]any) Credentials {
	if len(fields) == 0 {
		return Credentials{}
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return Credentials{sealed: &sealedFields{err: &ParamError{Field: "credentials", Reason: redact.EncodeReason(err)}}}
	}
	return Credentials{sealed: &sealedFields{masked: mask(b)}}
}

// IsZero reports whether c holds no fields.
func (c Credentials) IsZero() bool { return c.sealed == nil }

// Reveal returns a new copy of the fields as JSON decodes them (strings,
// float64 numbers, bools, nil, and nested map[string]any and []any), or nil
// for a zero [Credentials] or one JSON could not encode. It is the only way to
// read them back; changing the copy changes nothing.
func (c Credentials) Reveal() map[string]any {
	b, err := c.encoded()
	if err != nil || b == nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// encoded returns the JSON the request body carries, a new copy: nil for a
// zero [Credentials], and a [*ParamError] for fields JSON could not encode.
func (c Credentials) encoded() ([]byte, error) {
	if c.sealed == nil {
		return nil, nil
	}
	if c.sealed.err != nil {
		return nil, c.sealed.err
	}
	return mask(c.sealed.masked), nil
}

// tree returns the fields for the scrubber, decoded with every number kept
// as written.
func (c Credentials) tree() map[string]any {
	b, err := c.encoded()
	if err != nil || b == nil {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}

// sealPad is drawn at process start. XORing with it, repeated, makes equal
// fields mask to equal bytes within a process, which keeps DeepEqual working,
// and no dump shows them. It is not encryption at rest (the pad lives in the
// same memory); it keeps reflection-based dumpers from printing secrets, at
// the cost of a loop over a few dozen bytes per call.
var sealPad = func() (p [4096]byte) {
	_, _ = rand.Read(p[:])
	return p
}()

// mask returns b XORed with the pad: mask(mask(b)) == b.
func mask(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = c ^ sealPad[i%len(sealPad)]
	}
	return out
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
// of any value holding [Credentials] never writes a secret.
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
