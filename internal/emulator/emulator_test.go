package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the run if a handler, stall or server goroutine outlives
// the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const validBody = `{"personalConnectorId":"pcon_github","name":"My GitHub Account","credentials":{"token":"ghp_x"},"configuration":{"repository":"aitronos/freddy-backend"}}`

type result struct {
	status int
	header http.Header
	body   map[string]any
}

func do(t *testing.T, h http.Handler, method, path, body string, header ...string) result {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("X-API-Key", DefaultAPIKey)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var m map[string]any
	if rec.Header().Get("Content-Type") == "application/json" {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m), rec.Body.String())
	}
	return result{rec.Code, rec.Header(), m}
}

func errorOf(t *testing.T, r result) map[string]any {
	t.Helper()
	assert.Equal(t, false, r.body["success"])
	e, ok := r.body["error"].(map[string]any)
	require.True(t, ok, "error envelope: %v", r.body)
	for _, k := range []string{"code", "message", "system_message", "type", "status", "trace_id", "timestamp"} {
		assert.Contains(t, e, k)
	}
	assert.Equal(t, float64(r.status), e["status"])
	assert.Equal(t, r.header.Get("X-Request-Id"), e["trace_id"])
	_, err := time.Parse(time.RFC3339, e["timestamp"].(string))
	assert.NoError(t, err)
	return e
}

func TestCreateSuccessBody(t *testing.T) {
	now := time.Date(2025, 11, 13, 10, 45, 0, 0, time.UTC)
	e := New(Config{Now: func() time.Time { return now }})
	r := do(t, e, http.MethodPost, Path, validBody)
	require.Equal(t, 200, r.status)
	assert.Equal(t, true, r.body["success"])
	data := r.body["data"].(map[string]any)
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	assert.Equal(t, []string{"apiKeyId", "configuration", "created_at", "credentials", "description", "enabled", "healthStatus", "id",
		"lastError", "lastSyncAt", "metadata", "name", "object", "organization_id", "personalConnectorId", "updated_at", "userId"}, keys)
	assert.Regexp(t, `^pconf_[0-9a-f]{16}$`, data["id"])
	assert.Equal(t, "personal_connector.configuration", data["object"])
	assert.Equal(t, "***REDACTED***", data["credentials"])
	assert.Equal(t, true, data["enabled"])
	assert.Equal(t, "unknown", data["healthStatus"])
	assert.Equal(t, map[string]any{}, data["metadata"])
	assert.Nil(t, data["apiKeyId"])
	assert.Equal(t, "2025-11-13T10:45:00Z", data["created_at"])
	assert.Regexp(t, `^req_[0-9a-f]{16}$`, r.header.Get("X-Request-Id"))
	assert.Len(t, e.Configurations(), 1)

	r = do(t, e, http.MethodPost, Path, `{"personalConnectorId":"p","name":"n","credentials":{"k":"v"},"enabled":false,"description":"d","metadata":{"a":1}}`)
	require.Equal(t, 200, r.status)
	data = r.body["data"].(map[string]any)
	assert.Equal(t, false, data["enabled"])
	assert.Equal(t, "d", data["description"])
	assert.Equal(t, map[string]any{"a": float64(1)}, data["metadata"])
}

func TestAuth(t *testing.T) {
	e := New(Config{})
	for name, header := range map[string][]string{
		"missing":      {"X-API-Key", ""},
		"wrong":        {"X-API-Key", "nope"},
		"bearer wrong": {"X-API-Key", "", "Authorization", "Bearer nope"},
	} {
		r := do(t, e, http.MethodPost, Path, validBody, header...)
		assert.Equal(t, 401, r.status, name)
		er := errorOf(t, r)
		assert.Equal(t, "UNAUTHORIZED", er["code"])
		assert.Equal(t, "authentication_error", er["type"])
		assert.Equal(t, "Authentication required. Please provide a valid API key.", er["message"])
		assert.Equal(t, "Missing or invalid authorization header", er["system_message"])
	}
	r := do(t, e, http.MethodPost, Path, validBody, "X-API-Key", "", "Authorization", "Bearer "+DefaultAPIKey)
	assert.Equal(t, 200, r.status)
	assert.Empty(t, e.Configurations()[1:])
}

func TestValidation(t *testing.T) {
	e := New(Config{})
	tests := []struct {
		body   string
		fields map[string]any
	}{
		{`{}`, map[string]any{"personalConnectorId": "is required", "name": "is required", "credentials": "is required"}},
		{`{"personalConnectorId":1,"name":"","credentials":"x"}`, map[string]any{"personalConnectorId": "must be a string", "name": "must not be empty", "credentials": "must be an object"}},
		{`{"personalConnectorId":"p","name":"n","credentials":{}}`, map[string]any{"credentials": "must not be empty"}},
		{`{"personalConnectorId":"p","name":"n","credentials":{"a":"b"},"enabled":"yes","metadata":[],"extra":1}`, map[string]any{"enabled": "must be a boolean", "metadata": "must be an object", "extra": "is not a known field"}},
		{`[1,2]`, map[string]any{"body": "must be a JSON object"}},
		{`not json`, map[string]any{"body": "must be a JSON object"}},
	}
	for _, tt := range tests {
		r := do(t, e, http.MethodPost, Path, tt.body)
		require.Equal(t, 400, r.status, tt.body)
		er := errorOf(t, r)
		assert.Equal(t, "VALIDATION_ERROR", er["code"])
		assert.Equal(t, "validation_error", er["type"])
		assert.Equal(t, "Invalid request parameters", er["message"])
		assert.Equal(t, map[string]any{"fields": tt.fields}, er["details"], tt.body)
	}
	assert.Empty(t, e.Configurations())
}

func TestForbidden(t *testing.T) {
	e := New(Config{Forbidden: []string{"pcon_github"}})
	r := do(t, e, http.MethodPost, Path, validBody)
	require.Equal(t, 403, r.status)
	er := errorOf(t, r)
	assert.Equal(t, "FORBIDDEN", er["code"])
	assert.Equal(t, "authorization_error", er["type"])
	assert.Equal(t, "You do not have permission to perform this action.", er["message"])
	assert.Equal(t, "Insufficient permissions", er["system_message"])
	assert.Empty(t, e.Configurations())
}

func TestRoutes(t *testing.T) {
	e := New(Config{})
	assert.Equal(t, 404, do(t, e, http.MethodPost, "/v1/other", validBody).status)
	r := do(t, e, http.MethodGet, Path, "")
	assert.Equal(t, 405, r.status)
	assert.Equal(t, "POST", r.header.Get("Allow"))
}

func TestIdempotency(t *testing.T) {
	e := New(Config{})
	first := do(t, e, http.MethodPost, Path, validBody, "Idempotency-Key", "k1")
	again := do(t, e, http.MethodPost, Path, validBody, "Idempotency-Key", "k1")
	assert.Equal(t, first.body, again.body)
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	assert.Len(t, e.Configurations(), 1)

	conflict := do(t, e, http.MethodPost, Path, strings.Replace(validBody, "My GitHub", "Other", 1), "Idempotency-Key", "k1")
	assert.Equal(t, 409, conflict.status)
	assert.Equal(t, "IDEMPOTENCY_KEY_REUSED", errorOf(t, conflict)["code"])
	assert.Len(t, e.Configurations(), 1)

	do(t, e, http.MethodPost, Path, validBody, "Idempotency-Key", "k2")
	do(t, e, http.MethodPost, Path, validBody)
	do(t, e, http.MethodPost, Path, validBody)
	assert.Len(t, e.Configurations(), 4, "a new key or no key creates")

	// Concurrent attempts with one key create once.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { do(t, e, http.MethodPost, Path, validBody, "Idempotency-Key", "k3") })
	}
	wg.Wait()
	assert.Len(t, e.Configurations(), 5)
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2025, 11, 13, 10, 30, 0, 0, time.UTC)
	e := New(Config{RateLimit: 2, Window: time.Minute, Now: func() time.Time { return now }})
	for i := range 2 {
		r := do(t, e, http.MethodPost, Path, validBody)
		require.Equal(t, 200, r.status)
		assert.Equal(t, []string{"2"}, r.header.Values("X-RateLimit-Limit"))
		assert.Equal(t, []string{string(rune('1' - i))}, r.header.Values("X-RateLimit-Remaining"))
	}
	now = now.Add(15 * time.Second)
	r := do(t, e, http.MethodPost, Path, validBody)
	require.Equal(t, 429, r.status)
	er := errorOf(t, r)
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", er["code"])
	assert.Equal(t, "rate_limit_error", er["type"])
	assert.Equal(t, map[string]any{"retry_after": float64(45), "limit": float64(2), "remaining": float64(0), "reset_at": "2025-11-13T10:31:00Z"}, er["details"])
	assert.Equal(t, "45", r.header.Get("Retry-After"))
	now = now.Add(45 * time.Second)
	assert.Equal(t, 200, do(t, e, http.MethodPost, Path, validBody).status, "a new window")
	assert.Equal(t, 200, do(t, e, http.MethodPost, Path, validBody, "X-API-Key", "", "Authorization", "Bearer "+DefaultAPIKey).status)
}

func TestFaults(t *testing.T) {
	srv := Start(Config{})
	defer srv.Close()
	post := func() (*http.Response, []byte, error) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+Path, strings.NewReader(validBody))
		req.Header.Set("X-API-Key", srv.APIKey)
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	srv.Inject(Fault{Kind: FaultServerError}, 1)
	srv.Inject(Fault{Kind: FaultBadGatewayHTML}, 1)
	srv.Inject(Fault{Kind: FaultRateLimit, RetryAfter: 1500 * time.Millisecond}, 1)
	srv.Inject(Fault{Kind: FaultDrop}, 1)
	srv.Inject(Fault{Kind: FaultTruncate}, 1)

	resp, body, err := post()
	require.NoError(t, err)
	assert.Equal(t, 500, resp.StatusCode)
	assert.Contains(t, string(body), `"code":"INTERNAL_SERVER_ERROR"`)

	resp, body, err = post()
	require.NoError(t, err)
	assert.Equal(t, 502, resp.StatusCode)
	assert.True(t, bytes.HasPrefix(body, []byte("<html>")))

	resp, body, err = post()
	require.NoError(t, err)
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	assert.Contains(t, string(body), `"retry_after":2`)

	_, _, err = post()
	assert.Error(t, err, "dropped connection")

	_, _, err = post()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "truncated body")

	resp, _, err = post()
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode, "faults are used up")
	assert.Len(t, srv.Configurations(), 1)
	assert.Len(t, srv.Requests(), 6)

	srv.Inject(Fault{Kind: FaultStall}, 1)
	done := make(chan error, 1)
	go func() { _, _, err := post(); done <- err }()
	require.Eventually(t, func() bool { return len(srv.Requests()) == 7 }, 5*time.Second, time.Millisecond)
	srv.Release()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Release did not end the stall")
	}
}
