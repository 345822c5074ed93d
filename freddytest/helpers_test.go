package freddytest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validBody is the Create page's example request.
const validBody = `{"personalConnectorId":"pcon_github","name":"My GitHub Account","credentials":{"token":"ghp_xxxxxxxxxxxx"},"configuration":{"repository":"aitronos/freddy-backend"}}`

// t0 is the fake clock's start: the Create page's example time.
var t0 = time.Date(2025, 11, 13, 10, 45, 0, 0, time.UTC)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// result is one raw response.
type result struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any // the JSON object, nil when the body is not one
}

// caller sends raw requests, so that tests see the exact wire format.
type caller struct {
	t   *testing.T
	srv *Server
	hc  *http.Client
}

func newCaller(t *testing.T, srv *Server) *caller {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &caller{t: t, srv: srv, hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// freshCaller is a caller that opens a connection per request. net/http
// resends an idempotent request that failed on a reused connection; a test
// of a dropped connection must see the failure.
func freshCaller(t *testing.T, srv *Server) *caller {
	c := newCaller(t, srv)
	c.hc.Transport.(*http.Transport).DisableKeepAlives = true
	return c
}

// start is Start plus a caller.
func start(t *testing.T, opts ...Option) (*Server, *caller) {
	srv := Start(t, opts...)
	return srv, newCaller(t, srv)
}

// do sends method path (relative to the server's URL) with body. It sends
// the server's key as X-API-Key; header pairs override, an empty value
// deletes.
func (c *caller) do(method, path, body string, header ...string) result {
	c.t.Helper()
	r, err := c.try(method, path, body, header...)
	require.NoError(c.t, err)
	return r
}

func (c *caller) try(method, path, body string, header ...string) (result, error) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.srv.URL+path, rd)
	require.NoError(c.t, err)
	req.Header.Set("X-API-Key", c.srv.APIKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	r := result{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r, nil
}

// create posts body and returns the created data object.
func (c *caller) create(body string) map[string]any {
	c.t.Helper()
	r := c.do(http.MethodPost, basePath, body)
	require.Equal(c.t, http.StatusOK, r.status, string(r.raw))
	return r.body["data"].(map[string]any)
}

// createN creates n configurations named "n<i>" and returns their IDs.
func (c *caller) createN(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = c.create(`{"personalConnectorId":"pcon_github","name":"n` + strconv.Itoa(i) + `","credentials":{"token":"t"}}`)["id"].(string)
	}
	return ids
}

// errorOf checks the documented error envelope and the common headers and
// returns the error object.
func errorOf(t *testing.T, r result, status int, code string) map[string]any {
	t.Helper()
	require.Equal(t, status, r.status, string(r.raw))
	assert.Equal(t, []string{"error", "success"}, keys(r.body))
	assert.Equal(t, false, r.body["success"])
	e, ok := r.body["error"].(map[string]any)
	require.True(t, ok, "error envelope: %s", r.raw)
	want := []string{"code", "message", "status", "system_message", "timestamp", "trace_id", "type"}
	if _, ok := e["details"]; ok {
		want = append(want, "details")
		slices.Sort(want)
	}
	assert.Equal(t, want, keys(e))
	assert.Equal(t, code, e["code"])
	assert.Equal(t, float64(status), e["status"])
	assert.Equal(t, r.header.Get("X-Request-Id"), e["trace_id"])
	_, err := time.Parse(time.RFC3339, e["timestamp"].(string))
	assert.NoError(t, err)
	assertCommonHeaders(t, r)
	return e
}

// fieldsOf returns details.fields of a validation error.
func fieldsOf(t *testing.T, r result) map[string]any {
	t.Helper()
	e := errorOf(t, r, http.StatusBadRequest, "VALIDATION_ERROR")
	assert.Equal(t, "validation_error", e["type"])
	assert.Equal(t, "Invalid request parameters", e["message"])
	assert.Equal(t, "Validation failed", e["system_message"])
	details, _ := e["details"].(map[string]any)
	assert.Equal(t, []string{"fields"}, keys(details))
	f, _ := details["fields"].(map[string]any)
	return f
}

func assertCommonHeaders(t *testing.T, r result) {
	t.Helper()
	assert.Regexp(t, `^req_[0-9a-f]{16}$`, r.header.Get("X-Request-Id"))
	assert.Equal(t, "2025-01-01", r.header.Get("Freddy-Api-Version"))
	assert.Regexp(t, `^[0-9]+$`, r.header.Get("Freddy-Processing-Ms"))
	if r.status != http.StatusBadGateway {
		assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// objectKeys are the keys of a bare (camelCase) configuration object.
var objectKeys = []string{"apiKeyId", "configuration", "createdAt", "credentials", "description", "enabled", "healthStatus", "id",
	"lastError", "lastSyncAt", "metadata", "name", "object", "organizationId", "personalConnectorId", "updatedAt", "userId"}

// createdKeys are the keys of Create's data object, mixed casing.
var createdKeys = []string{"apiKeyId", "configuration", "created_at", "credentials", "description", "enabled", "healthStatus", "id",
	"lastError", "lastSyncAt", "metadata", "name", "object", "organization_id", "personalConnectorId", "updated_at", "userId"}

// within fails the test unless ch yields within d: waits that must end
// never hang the run.
func within[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("%s: nothing after %s", what, d)
	}
	var zero T
	return zero
}

// waitRequests blocks until the server has recorded n requests.
func waitRequests(t *testing.T, srv *Server, n int) {
	t.Helper()
	timeout := make(chan struct{})
	timer := time.AfterFunc(10*time.Second, func() { close(timeout) })
	defer timer.Stop()
	require.True(t, srv.waitRequests(n, timeout), "the server did not get %d requests", n)
}

// waitRequests blocks until the server has recorded n requests or done is
// closed, and reports whether it got there. Tests use it to know a request
// has arrived without polling.
func (s *Server) waitRequests(n int, done <-chan struct{}) bool {
	for {
		s.mu.Lock()
		got, changed := int(s.log.total), s.changed
		s.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-changed:
		case <-done:
			return false
		}
	}
}
