package freddy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

const configurationsPath = "/v1/personal-connectors/configurations"

// ConfigurationsService calls the personal connector configuration
// endpoints. Use it through Client.Configurations.
type ConfigurationsService struct {
	client *Client
}

// Create provisions a personal connector configuration: API operation
// POST /v1/personal-connectors/configurations.
//
// The params are checked first: a missing personalConnectorId, name or
// credentials returns a *ParamError (errors.Is ErrInvalidParams) and sends
// nothing. Every call sends an Idempotency-Key (a fresh UUIDv4 unless
// WithIdempotencyKey sets one), the same on every attempt, so a retry never
// creates a second configuration.
//
// On failure Create returns a *ValidationError, *AuthenticationError,
// *AuthorizationError, *RateLimitError, *ServerError or plain *APIError for
// an error response; a *RequestError when no usable response arrived (it
// wraps the context's error when ctx ended the call); a *DecodeError for a 2xx
// body that is not the documented envelope. 429 and 5xx responses and
// transport failures are retried first, as configured on the Client.
func (s *ConfigurationsService) Create(ctx context.Context, params CreateConfigurationParams, opts ...RequestOption) (*Configuration, error) {
	if ctx == nil {
		return nil, &ParamError{Field: "ctx", Reason: "must not be nil"}
	}
	if err := params.validate(); err != nil {
		return nil, err
	}
	var rc requestConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&rc)
		}
	}
	key := rc.idempotencyKey
	if key == "" {
		key = newIdempotencyKey()
	} else if !headerSafe(key) || len(key) > 255 {
		return nil, &ParamError{Field: "Idempotency-Key", Reason: "must be 1 to 255 visible ASCII characters"}
	}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, &ParamError{Field: "params", Reason: "cannot be encoded as JSON: " + err.Error()}
	}
	var out *Configuration
	err = s.client.core.do(ctx, body, key, params.Credentials, func(status int, h http.Header, body []byte) error {
		c, derr := decodeConfiguration(body)
		if derr != nil {
			scrub := s.client.core.scrubber(params.Credentials)
			derr.StatusCode, derr.TraceID, derr.IdempotencyKey = status, scrub.String(h.Get("X-Request-Id")), key
			derr.snippet = scrub.String(derr.snippet)
			return derr
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// newIdempotencyKey returns a random RFC 4122 version 4 UUID.
func newIdempotencyKey() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails (Go 1.24+).
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
