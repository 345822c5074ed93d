package freddy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// createWith runs one Create (no retries) against a scripted response.
func createWith(t *testing.T, status int, body []byte, header ...string) error {
	t.Helper()
	c := newClient(t, script(reply(status, body, header...)), WithMaxRetries(0))
	got, err := c.Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("idem-123"))
	require.Error(t, err)
	require.Nil(t, got)
	requireNoSecret(t, err.Error())
	return err
}

func TestDocumentedErrorsMapToTypes(t *testing.T) {
	ts := time.Date(2025, 11, 13, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		file     string
		status   int
		sentinel error
		as       func(error) bool
		want     string
	}{
		{"error_400.json", 400, ErrValidation, func(err error) bool { var e *ValidationError; return errors.As(err, &e) },
			"freddy: Create: 400 VALIDATION_ERROR: Invalid request parameters (trace_id req_xyz789)"},
		{"error_401.json", 401, ErrUnauthorized, func(err error) bool { var e *AuthenticationError; return errors.As(err, &e) },
			"freddy: Create: 401 UNAUTHORIZED: Authentication required. Please provide a valid API key. (trace_id req_abc123)"},
		{"error_403.json", 403, ErrForbidden, func(err error) bool { var e *AuthorizationError; return errors.As(err, &e) },
			"freddy: Create: 403 FORBIDDEN: You do not have permission to perform this action. (trace_id req_def456)"},
		{"error_429.json", 429, ErrRateLimited, func(err error) bool { var e *RateLimitError; return errors.As(err, &e) },
			"freddy: Create: 429 RATE_LIMIT_EXCEEDED: Too many requests. Please try again later. (retry after 1m0s, trace_id req_ghi789)"},
		{"error_500.json", 500, ErrServer, func(err error) bool { var e *ServerError; return errors.As(err, &e) },
			"freddy: Create: 500 INTERNAL_SERVER_ERROR: An unexpected error occurred. Please try again later. (trace_id req_jkl012)"},
	}
	sentinels := []error{ErrValidation, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrRateLimited, ErrServer, ErrInvalidParams}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			err := createWith(t, tt.status, fixture(t, tt.file))
			assert.Equal(t, tt.want, err.Error())
			assert.True(t, tt.as(err), "typed error via errors.As")
			for _, s := range sentinels {
				assert.Equal(t, s == tt.sentinel, errors.Is(err, s), "errors.Is(err, %v)", s)
			}
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.status, apiErr.StatusCode)
			assert.NotEmpty(t, apiErr.Code)
			assert.NotEmpty(t, apiErr.SystemMessage)
			assert.True(t, strings.HasSuffix(apiErr.Type, "_error"))
			assert.True(t, ts.Equal(apiErr.Timestamp))
			assert.Equal(t, "idem-123", apiErr.IdempotencyKey)
		})
	}
}

func TestRateLimitErrorDetails(t *testing.T) {
	err := createWith(t, 429, fixture(t, "error_429.json"))
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, 60*time.Second, rl.RetryAfter)
	assert.Equal(t, 100, rl.Limit)
	assert.Equal(t, 0, rl.Remaining)
	assert.True(t, time.Date(2025, 11, 13, 10, 31, 0, 0, time.UTC).Equal(rl.ResetAt))
	// Promoted fields read directly.
	assert.Equal(t, "req_ghi789", rl.TraceID)
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", rl.Code)
	assert.Equal(t, float64(60), rl.Details["retry_after"])
}

func TestRateLimitErrorFallsBackToHeaders(t *testing.T) {
	body := []byte(`{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"slow down","type":"rate_limit_error"}}`)
	tests := []struct {
		name    string
		header  []string
		after   time.Duration
		limit   int
		remain  int
		resetAt time.Time
	}{
		{"seconds and epoch reset", []string{"Retry-After", "7", "X-RateLimit-Limit", "50", "X-RateLimit-Remaining", "3", "X-RateLimit-Reset", "1763030460", "X-Request-Id", "req_hdr"},
			7 * time.Second, 50, 3, time.Unix(1763030460, 0)},
		{"RFC 3339 reset", []string{"X-RateLimit-Reset", "2025-11-13T10:31:00Z"}, 0, 0, 0, time.Date(2025, 11, 13, 10, 31, 0, 0, time.UTC)},
		{"garbage headers", []string{"Retry-After", "soon", "X-RateLimit-Limit", "lots"}, 0, 0, 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := createWith(t, 429, body, tt.header...)
			var rl *RateLimitError
			require.ErrorAs(t, err, &rl)
			assert.Equal(t, tt.after, rl.RetryAfter)
			assert.Equal(t, tt.limit, rl.Limit)
			assert.Equal(t, tt.remain, rl.Remaining)
			assert.True(t, tt.resetAt.Equal(rl.ResetAt), rl.ResetAt)
		})
	}
	t.Run("trace id from x-request-id", func(t *testing.T) {
		err := createWith(t, 429, body, "X-Request-Id", "req_hdr")
		assert.Equal(t, "freddy: Create: 429 RATE_LIMIT_EXCEEDED: slow down (trace_id req_hdr)", err.Error())
	})
}

func TestRetryAfterTakesTheLongerOfBodyAndHeader(t *testing.T) {
	body := func(secs string) []byte {
		return []byte(`{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","details":{"retry_after":` + secs + `}}}`)
	}
	tests := []struct {
		name   string
		body   []byte
		header string
		want   time.Duration
	}{
		{"body longer", body("30"), "10", 30 * time.Second},
		{"header longer", body("3"), "10", 10 * time.Second},
		{"fractional body rounds up", body("1.5"), "", 1500 * time.Millisecond},
		{"numeric string body", body(`"4"`), "", 4 * time.Second},
		{"negative ignored", body("-5"), "2", 2 * time.Second},
		{"huge bounded", body("1e300"), "", 365 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.header != "" {
				h = []string{"Retry-After", tt.header}
			}
			err := createWith(t, 429, tt.body, h...)
			var rl *RateLimitError
			require.ErrorAs(t, err, &rl)
			assert.Equal(t, tt.want, rl.RetryAfter)
		})
	}
}

func TestNonEnvelopeBodiesGiveAPIErrorWithSnippet(t *testing.T) {
	html := []byte("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
	tests := []struct {
		name   string
		status int
		body   []byte
		want   string
		server bool
	}{
		{"proxy HTML 502", 502, html, `freddy: Create: 502 Bad Gateway: unexpected response body "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>" (trace_id req_p)`, true},
		{"empty 503", 503, nil, `freddy: Create: 503 Service Unavailable: unexpected response body "(empty)" (trace_id req_p)`, true},
		{"truncated 500", 500, []byte(`{"success":false,"error":{"code":"INT`), `freddy: Create: 500 Internal Server Error: unexpected response body "{\"success\":false,\"error\":{\"code\":\"INT" (trace_id req_p)`, true},
		{"long body cut", 418, []byte(strings.Repeat("x", 500)), `freddy: Create: 418 I'm a teapot: unexpected response body "` + strings.Repeat("x", 120) + `…" (trace_id req_p)`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := createWith(t, tt.status, tt.body, "X-Request-Id", "req_p")
			assert.Equal(t, tt.want, err.Error())
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.status, apiErr.StatusCode)
			assert.Empty(t, apiErr.Code)
			assert.Equal(t, tt.server, errors.Is(err, ErrServer))
		})
	}
}

func TestStatusesMapToTypes(t *testing.T) {
	body := func(code string) []byte {
		return []byte(`{"success":false,"error":{"code":"` + code + `","message":"m","trace_id":"req_1"}}`)
	}
	typed := []struct {
		status   int
		sentinel error
		as       func(error) bool
	}{
		{404, ErrNotFound, func(err error) bool { var e *NotFoundError; return errors.As(err, &e) }},
		{409, ErrConflict, func(err error) bool { var e *ConflictError; return errors.As(err, &e) }},
		{422, ErrValidation, func(err error) bool { var e *ValidationError; return errors.As(err, &e) }},
		{503, ErrServer, func(err error) bool { var e *ServerError; return errors.As(err, &e) }},
	}
	for _, tt := range typed {
		err := createWith(t, tt.status, body("X"))
		assert.True(t, tt.as(err), "%d", tt.status)
		assert.ErrorIs(t, err, tt.sentinel)
	}
	for _, status := range []int{410, 418, 451} {
		err := createWith(t, status, body("GONE"))
		apiErr, ok := err.(*APIError)
		require.True(t, ok, "want a plain *APIError, got %T", err)
		assert.Equal(t, "GONE", apiErr.Code)
		for _, s := range []error{ErrValidation, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrRateLimited, ErrServer} {
			assert.NotErrorIs(t, err, s)
		}
	}
	t.Run("401 variants keep their code", func(t *testing.T) {
		err := createWith(t, 401, []byte(`{"success":false,"error":{"code":"API_KEY_EXPIRED","message":"expired"}}`))
		var ae *AuthenticationError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "API_KEY_EXPIRED", ae.Code)
	})
}

// TestShortErrorBodies: the older pages' {"error":{type,message,code}} body
// maps by status to the same typed errors, code kept as sent, trace id from
// the x-request-id header.
func TestShortErrorBodies(t *testing.T) {
	tests := []struct {
		file     string
		status   int
		sentinel error
		code     string
		want     string
	}{
		{"error_404_short.json", 404, ErrNotFound, "configuration_not_found",
			"freddy: Create: 404 configuration_not_found: Personal connector configuration with ID 'pconf_abc123' not found. (trace_id req_short)"},
		{"error_401_short.json", 401, ErrUnauthorized, "invalid_api_key", "freddy: Create: 401 invalid_api_key: Invalid API key (trace_id req_short)"},
		{"error_403_short.json", 403, ErrForbidden, "insufficient_permissions",
			"freddy: Create: 403 insufficient_permissions: You do not have permission to delete this configuration. (trace_id req_short)"},
		{"error_400_invalid_credentials.json", 400, ErrValidation, "invalid_credentials",
			"freddy: Create: 400 invalid_credentials: Failed to validate credentials for github: 401 Unauthorized - Invalid token. (trace_id req_short)"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			err := createWith(t, tt.status, fixture(t, tt.file), "X-Request-Id", "req_short")
			assert.ErrorIs(t, err, tt.sentinel)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.code, apiErr.Code)
			assert.True(t, strings.HasSuffix(apiErr.Type, "_error"))
			assert.Equal(t, "req_short", apiErr.TraceID)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

// TestHandBuiltErrorsMatchTheirSentinels: users' fakes build typed errors
// without a status; they match by type, and only their own sentinel.
func TestHandBuiltErrorsMatchTheirSentinels(t *testing.T) {
	all := []error{ErrValidation, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrRateLimited, ErrServer, ErrInvalidParams}
	tests := []struct {
		err      error
		sentinel error
		text     string
	}{
		{&ValidationError{}, ErrValidation, "freddy: validation error"},
		{&AuthenticationError{}, ErrUnauthorized, "freddy: unauthorized"},
		{&AuthorizationError{}, ErrForbidden, "freddy: forbidden"},
		{&NotFoundError{}, ErrNotFound, "freddy: not found"},
		{&ConflictError{}, ErrConflict, "freddy: conflict"},
		{&RateLimitError{RetryAfter: 5 * time.Second}, ErrRateLimited, "freddy: rate limited (retry after 5s)"},
		{&RateLimitError{APIError: APIError{StatusCode: 500}}, ErrRateLimited, "freddy: 500 Internal Server Error"},
		{&ServerError{APIError: APIError{StatusCode: 418, Code: "TEAPOT"}}, ErrServer, "freddy: 418 TEAPOT"},
		{&ParamError{Field: "name", Reason: "is required"}, ErrInvalidParams, "freddy: invalid params: name is required"},
	}
	for _, tt := range tests {
		for _, s := range all {
			assert.Equal(t, s == tt.sentinel, errors.Is(tt.err, s), "%T Is %v", tt.err, s)
			assert.Equal(t, s == tt.sentinel, errors.Is(fmt.Errorf("wrapped: %w", tt.err), s), "wrapped %T Is %v", tt.err, s)
		}
		assert.Equal(t, tt.text, tt.err.Error())
	}
	plain := &APIError{StatusCode: 429}
	for _, s := range all {
		assert.NotErrorIs(t, plain, s, "a plain APIError matches no sentinel, whatever its status")
	}
	assert.Equal(t, "freddy: 500 X: sys", (&APIError{StatusCode: 500, Code: "X", SystemMessage: "sys"}).Error())
	assert.Equal(t, "freddy: API error", (&APIError{}).Error())
}

// TestErrorsSayFreddyOnce: whatever layer an error comes from (transport,
// body reading, redirect policy, decoding, the context), its message names
// the SDK once, at the start.
func TestErrorsSayFreddyOnce(t *testing.T) {
	huge := strings.Repeat("x", errorBodyLimit+1)
	cases := map[string]func(*http.Request) (*http.Response, error){
		"attempt timeout": hang,
		"body over limit": reply(500, []byte(huge)),
		"body cut short": func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(iotest.ErrReader(io.ErrUnexpectedEOF)), Request: r}, nil
		},
		"transport failure": fail(errors.New("connection refused")),
		"not JSON":          reply(200, []byte("<html>")),
		"bad time":          reply(200, []byte(`{"id":"x","created_at":"yesterday"}`)),
		"server error":      reply(503, fixture(t, "error_500.json")),
		"rate limited":      reply(429, body429("60")),
	}
	for name, step := range cases {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, err := newClient(t, script(step), WithTimeout(time.Second), WithMaxRetries(1)).Configurations.Get(context.Background(), "pconf_1")
				require.Error(t, err)
				assert.Equal(t, 1, strings.Count(err.Error(), "freddy:"), err.Error())
				assert.True(t, strings.HasPrefix(err.Error(), "freddy: "), err.Error())
			})
		})
	}
	t.Run("cancelled after a 429", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, err := newClient(t, script(reply(429, body429("2")), hang)).Configurations.Get(ctx, "pconf_1")
			assert.Equal(t, 1, strings.Count(err.Error(), "freddy:"), err.Error())
			assert.Contains(t, err.Error(), "; last response: 429 RATE_LIMIT_EXCEEDED")
		})
	})
	t.Run("redirect refused", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/x", http.StatusFound)
		}))
		defer srv.Close()
		c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL))
		require.NoError(t, err)
		defer c.CloseIdleConnections()
		_, err = c.Configurations.Get(context.Background(), "pconf_1")
		assert.Equal(t, 1, strings.Count(err.Error(), "freddy:"), err.Error())
	})
}

func TestMessagesOfHandBuiltAndDetailedErrors(t *testing.T) {
	assert.Equal(t, "freddy: response could not be decoded", (&DecodeError{}).Error())
	assert.Equal(t, "freddy: request not sent", (&RequestError{}).Error())
	assert.Equal(t, "freddy: request failed after 2 attempts", (&RequestError{Attempts: 2}).Error())
	e := &ValidationError{APIError{StatusCode: 400, Code: "VALIDATION_ERROR", Message: "Invalid request parameters", TraceID: "req_1",
		Details: map[string]any{"fields": map[string]any{"name": "must be a string", "after": "is not a known configuration ID", "a": 1,
			"b": "x", "c": "y", "d": "z"}}}}
	assert.Equal(t, "freddy: 400 VALIDATION_ERROR: Invalid request parameters [a; after: is not a known configuration ID; b: x; c: y; d: z; …] (trace_id req_1)", e.Error(),
		"the refused fields, sorted, five at most")

	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(503, nil), reply(200, []byte("<html>")))
		_, err := newClient(t, rt).Configurations.Get(context.Background(), "pconf_1")
		var de *DecodeError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, 2, de.Attempts)
		assert.Contains(t, err.Error(), "(2 attempts")
	})
}
