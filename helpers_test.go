package freddy

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"
)

// Secrets every test uses, so one check can prove none of them leaked.
const (
	testAPIKey     = "fk_live_SECRETKEY_0123456789"
	testCredential = "ghp_SECRETTOKEN_abcdefghij"
	testBaseURL    = "https://api.test.invalid"
	testEndpoint   = testBaseURL + configurationsPath
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func validParams() CreateConfigurationParams {
	return CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "My GitHub Account",
		Credentials:         BearerCredentials(testCredential),
		Configuration:       map[string]any{"repository": "aitronos/freddy-backend"},
	}
}

// requireNoSecret fails when s holds the test API key or credential.
func requireNoSecret(t testing.TB, s string) {
	t.Helper()
	require.NotContains(t, s, testAPIKey)
	require.NotContains(t, s, testCredential)
}

// newClient builds a client against testBaseURL whose transport is rt, with
// a fixed jitter so that backoff waits are exact.
func newClient(t testing.TB, rt http.RoundTripper, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithAPIKey(testAPIKey), WithBaseURL(testBaseURL), WithHTTPClient(&http.Client{Transport: rt}), withJitter(0)}
	c, err := NewClient(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// withJitter fixes the backoff jitter for exact waits in tests.
func withJitter(j float64) Option {
	return func(c *config) error { c.jitter = func() float64 { return j }; return nil }
}

// newMock returns an httpmock transport whose unmatched requests fail the test.
func newMock(t testing.TB) *httpmock.MockTransport {
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		return nil, io.ErrUnexpectedEOF
	})
	return mt
}

// response builds a response for a scripted transport.
func response(status int, body []byte, header ...string) *http.Response {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &http.Response{
		StatusCode: status, Status: strconv.Itoa(status) + " " + http.StatusText(status),
		Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
}

// recordedReq is what a test sees of one request, whichever fake answered
// it (scriptedRT or the socket recorder): the (fake, under synctest) time it
// arrived, and the request as sent.
type recordedReq struct {
	at                           time.Time
	method, path, rawPath, query string
	header                       http.Header
	body                         string
}

// record reads r whole; it is the only place a request is recorded.
func record(r *http.Request) recordedReq {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		_ = r.Body.Close()
	}
	return recordedReq{at: time.Now(), method: r.Method, path: r.URL.Path, rawPath: r.URL.EscapedPath(),
		query: r.URL.RawQuery, header: r.Header.Clone(), body: string(body)}
}

// scriptedRT is the tests' one scripted transport: it answers request i with
// steps[i] (the last step repeats) and records what it received. It runs
// inside synctest bubbles: no sockets.
type scriptedRT struct {
	mu    sync.Mutex
	steps []func(*http.Request) (*http.Response, error)
	reqs  []recordedReq
}

func script(steps ...func(*http.Request) (*http.Response, error)) *scriptedRT {
	return &scriptedRT{steps: steps}
}

func (s *scriptedRT) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := record(r)
	s.mu.Lock()
	i := min(len(s.reqs), len(s.steps)-1)
	s.reqs = append(s.reqs, rec)
	step := s.steps[i]
	s.mu.Unlock()
	resp, err := step(r)
	if resp != nil {
		resp.Request = r
	}
	return resp, err
}

func (s *scriptedRT) requests() []recordedReq {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recordedReq(nil), s.reqs...)
}

// reply answers with a fixed status and body.
func reply(status int, body []byte, header ...string) func(*http.Request) (*http.Response, error) {
	return func(*http.Request) (*http.Response, error) { return response(status, body, header...), nil }
}

// fail answers with a transport error.
func fail(err error) func(*http.Request) (*http.Response, error) {
	return func(*http.Request) (*http.Response, error) { return nil, err }
}

// hang blocks until the request's context ends, as a stalled server does.
func hang(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// gaps returns the time between consecutive requests.
func gaps(reqs []recordedReq) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(reqs); i++ {
		out = append(out, reqs[i].at.Sub(reqs[i-1].at))
	}
	return out
}

func slogInfo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// onRecord is a debug-level slog handler that hands every record to f, so a
// test can wait on the SDK's own events instead of on time.
type onRecord func(slog.Record)

func (f onRecord) Enabled(context.Context, slog.Level) bool { return true }
func (f onRecord) Handle(_ context.Context, r slog.Record) error {
	f(r)
	return nil
}
func (f onRecord) WithAttrs([]slog.Attr) slog.Handler { return f }
func (f onRecord) WithGroup(string) slog.Handler      { return f }
