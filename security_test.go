package freddy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCredentialsNeverPrint(t *testing.T) {
	p := validParams()
	creds := p.Credentials
	values := map[string]any{
		"credentials":         creds,
		"credentials pointer": &creds,
		"params":              p,
		"params pointer":      &p,
		"nested struct":       struct{ P CreateConfigurationParams }{p},
		"slice":               []Credentials{creds},
		"map":                 map[string]Credentials{"c": creds},
		"any":                 any(creds),
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.3v"} {
			out := fmt.Sprintf(verb, v)
			requireNoSecret(t, out)
			if verb != "%T" && name == "credentials" {
				assert.Equal(t, "***REDACTED***", out, verb)
			}
		}
		requireNoSecret(t, fmt.Sprint(v))
		requireNoSecret(t, fmt.Sprintln(v))
	}
	assert.Contains(t, fmt.Sprintf("%+v", p), "Credentials:***REDACTED***")
}

func TestParamsLogSafelyWithSlog(t *testing.T) {
	p := validParams()
	p.Description = "desc"
	p.Enabled = Bool(false)
	p.Metadata = map[string]any{"team": "a"}
	for name, h := range map[string]func(io.Writer) slog.Handler{
		"json": func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
		"text": func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(h(&buf))
			logger.Info("x", "params", p, "pp", &p, "creds", p.Credentials, "any", slog.AnyValue(p.Credentials))
			out := buf.String()
			requireNoSecret(t, out)
			assert.Contains(t, out, "***REDACTED***")
			assert.Contains(t, out, "pcon_github", "the rest of the params is logged")
			assert.Contains(t, out, "desc")
		})
	}
}

// TestParamsLogValueIsAGroupByJSONName: the LogValue guarantee, a group of
// the set fields under their JSON names with credentials redacted, for both
// params types.
func TestParamsLogValueIsAGroupByJSONName(t *testing.T) {
	p := validParams()
	p.Enabled = Bool(false)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "p", p)
	var rec struct{ P map[string]any }
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
	assert.Equal(t, map[string]any{"personalConnectorId": "pcon_github", "name": "My GitHub Account",
		"credentials": "***REDACTED***", "configuration": map[string]any{"repository": "aitronos/freddy-backend"},
		"enabled": false}, rec.P)

	buf.Reset()
	u := UpdateConfigurationParams{Name: String("n"), Credentials: BearerCredentials(testCredential)}
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "p", u)
	rec.P = nil
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
	assert.Equal(t, map[string]any{"name": "n", "credentials": "***REDACTED***"}, rec.P)
}

func TestJSONMarshalOfParamsRedactsCredentials(t *testing.T) {
	b, err := json.Marshal(validParams())
	require.NoError(t, err)
	requireNoSecret(t, string(b))
	assert.JSONEq(t, `{"personalConnectorId":"pcon_github","name":"My GitHub Account","configuration":{"repository":"aitronos/freddy-backend"},"credentials":"***REDACTED***"}`, string(b))
	// The request itself carries the real credentials.
	rt := script(reply(200, fixture(t, "create_200.json")))
	_, err = newClient(t, rt).Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	assert.Contains(t, string(rt.requests()[0].body), testCredential)
}

// TestSecretsNeverReachErrorsOrLogs drives every error path with a server
// that echoes the request's key and credentials back in its answers.
func TestSecretsNeverReachErrorsOrLogs(t *testing.T) {
	echo := testAPIKey + " " + testCredential
	envelope := func(code string) []byte {
		b, _ := json.Marshal(map[string]any{"success": false, "error": map[string]any{
			"code": code, "message": "bad " + echo, "system_message": echo, "type": echo, "trace_id": "req_" + testCredential,
			"details": map[string]any{"echo": echo, "nested": []any{echo}, "retry_after": 1},
		}})
		return b
	}
	tests := []struct {
		name string
		step func(*http.Request) (*http.Response, error)
	}{
		{"400 envelope", reply(400, envelope("VALIDATION_ERROR"))},
		{"401 envelope", reply(401, envelope("UNAUTHORIZED"))},
		{"403 envelope", reply(403, envelope("FORBIDDEN"))},
		{"404 envelope", reply(404, envelope("NOT_FOUND"))},
		{"429 envelope", reply(429, envelope("RATE_LIMIT_EXCEEDED"))},
		{"500 envelope", reply(500, envelope("INTERNAL_SERVER_ERROR"))},
		{"502 echo page", reply(502, []byte("<html>"+echo+"</html>"), "X-Request-Id", testAPIKey)},
		{"200 echo not JSON", reply(200, []byte("oops "+echo), "X-Request-Id", testCredential)},
		{"200 echo wrong shape", reply(200, []byte(`{"success":true,"data":{"id":"`+echo+`","enabled":"`+echo+`"}}`))},
		{"transport error echoing", fail(errors.New("proxy said " + echo))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c := newClient(t, script(tt.step), WithMaxRetries(1), WithRetryWait(time.Millisecond, time.Millisecond), WithLogger(logger))
			_, err := c.Configurations.Create(context.Background(), validParams())
			require.Error(t, err)
			requireNoSecret(t, err.Error())
			requireNoSecret(t, fmt.Sprintf("%+v %#v", err, err))
			requireNoSecret(t, logs.String())
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				requireNoSecret(t, fmt.Sprint(apiErr.Details, apiErr.Message, apiErr.SystemMessage, apiErr.Type, apiErr.TraceID))
			}
		})
	}
}

func TestRedirectsNeverCarryTheKeyToAnotherHost(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var evilHits atomic.Int32
			evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				evilHits.Add(1)
				t.Errorf("redirect followed to another host (X-API-Key present: %t)", r.Header.Get("X-API-Key") != "")
			}))
			defer evil.Close()
			var hits atomic.Int32
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				http.Redirect(w, r, evil.URL+"/steal?token=abc", status)
			}))
			defer api.Close()
			var logs bytes.Buffer
			c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(api.URL),
				WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			require.NoError(t, err)
			defer c.CloseIdleConnections()
			_, err = c.Configurations.Create(context.Background(), validParams())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "refused to follow a redirect to "+evil.URL+"/steal")
			assert.NotContains(t, err.Error(), "token=abc", "the query may hold secrets")
			assert.Contains(t, logs.String(), "refused to follow a redirect")
			assert.NotContains(t, logs.String(), "token=abc")
			requireNoSecret(t, err.Error())
			assert.Zero(t, evilHits.Load())
			assert.Equal(t, int32(1), hits.Load(), "a refused redirect is not retried")
		})
	}
	t.Run("same-host redirect loop is not retried", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
		}))
		defer srv.Close()
		c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL))
		require.NoError(t, err)
		defer c.CloseIdleConnections()
		_, err = c.Configurations.Create(context.Background(), validParams())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "stopped after 10 redirects")
		assert.Equal(t, int32(10), hits.Load(), "one attempt: net/http stops at its tenth request")
	})
	t.Run("same host is followed", func(t *testing.T) {
		ok := fixture(t, "create_200.json")
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == configurationsPath {
				http.Redirect(w, r, "/v2/moved", http.StatusPermanentRedirect)
				return
			}
			body, _ := io.ReadAll(r.Body)
			if r.Header.Get("X-API-Key") != testAPIKey || !bytes.Contains(body, []byte(testCredential)) {
				w.WriteHeader(400)
				return
			}
			_, _ = w.Write(ok)
		}))
		defer srv.Close()
		c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL))
		require.NoError(t, err)
		defer c.CloseIdleConnections()
		got, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		assert.Equal(t, "pconf_abc123", got.ID)
	})
}

// countingServer starts a test server that counts the TCP connections it
// accepts, and a client for it (default transport unless opts say otherwise).
func countingServer(t *testing.T, h http.HandlerFunc, opts ...Option) (*Client, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := NewClient(append([]Option{WithAPIKey(testAPIKey), WithBaseURL(srv.URL)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c, &n
}

func TestBodyLimits(t *testing.T) {
	t.Run("200 MiB success body does not grow the heap", func(t *testing.T) {
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"success":true,"data":{"id":"`))
			for range (200 << 20) / len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}))
		defer srv.Close()
		c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL))
		require.NoError(t, err)
		defer c.CloseIdleConnections()

		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err = c.Configurations.Create(context.Background(), validParams())
		runtime.ReadMemStats(&after)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "exceeds the 10 MiB limit")
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(40<<20), "bytes allocated while reading a 200 MiB body")
	})
	tests := []struct {
		name   string
		status int
		size   int
		limit  string
	}{
		{"error body over 1 MiB", 500, 1<<20 + 1, "1 MiB"},
		{"success body over 10 MiB", 200, 10<<20 + 1, "10 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			c, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					w.WriteHeader(tt.status)
					_, _ = w.Write(bytes.Repeat([]byte("y"), tt.size))
					return
				}
				_, _ = w.Write(fixture(t, "create_200.json"))
			})
			_, err := c.Configurations.Create(context.Background(), validParams())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "exceeds the "+tt.limit+" limit")
			assert.Equal(t, int32(1), calls.Load(), "an oversized body is not retried")
			_, err = c.Configurations.Create(context.Background(), validParams())
			require.NoError(t, err)
			assert.Equal(t, int32(2), conns.Load(), "the oversized response's connection is not reused")
		})
	}
	t.Run("control: normal responses reuse one connection", func(t *testing.T) {
		c, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write(fixture(t, "create_200.json"))
		})
		for range 3 {
			_, err := c.Configurations.Create(context.Background(), validParams())
			require.NoError(t, err)
		}
		assert.Equal(t, int32(1), conns.Load())
	})
}

// TestConcurrentMixedTraffic shares one Client among 64 goroutines whose
// calls meet successes, 429s, 500s and cancellations; run it with -race.
func TestConcurrentMixedTraffic(t *testing.T) {
	ok := fixture(t, "create_200.json")
	e429, e500 := fixture(t, "error_429.json"), fixture(t, "error_500.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body first lets the server notice a client that
		// hangs up, which ends r.Context() for the stall case.
		_, _ = io.Copy(io.Discard, r.Body)
		switch r.Header.Get("X-Test-Mode") {
		case "429":
			w.Header().Set("Retry-After", "0")
			// A 429 of another limit than the request window, which has
			// room: it holds only its own call, not the Client's others.
			w.Header().Set("X-RateLimit-Remaining", "1")
			w.WriteHeader(429)
			_, _ = w.Write(e429)
		case "500":
			w.WriteHeader(500)
			_, _ = w.Write(e500)
		case "stall":
			<-r.Context().Done()
		default:
			_, _ = w.Write(ok)
		}
	}))
	defer srv.Close()
	modes := []string{"ok", "429", "500", "stall"}
	var wg sync.WaitGroup
	var counts [4]atomic.Int32
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), WithRetryWait(time.Millisecond, 2*time.Millisecond),
		WithMaxRetryWait(time.Millisecond), WithHTTPClient(&http.Client{Transport: modeTransport{tr}}))
	require.NoError(t, err)
	defer tr.CloseIdleConnections()
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 20 {
				m := r.IntN(len(modes))
				ctx, cancel := context.WithCancel(context.WithValue(context.Background(), modeKey{}, modes[m]))
				if modes[m] == "stall" {
					time.AfterFunc(time.Millisecond, cancel)
				}
				got, err := c.Configurations.Create(ctx, validParams())
				cancel()
				switch modes[m] {
				case "ok":
					if assert.NoError(t, err) {
						assert.Equal(t, "pconf_abc123", got.ID)
					}
				case "429":
					var rl *RateLimitError
					assert.ErrorAs(t, err, &rl)
					assert.Equal(t, 60*time.Second, rl.RetryAfter)
				case "500":
					assert.ErrorIs(t, err, ErrServer)
				case "stall":
					assert.ErrorIs(t, err, context.Canceled)
				}
				if err != nil {
					requireNoSecret(t, err.Error())
				}
				counts[m].Add(1)
			}
		}()
	}
	wg.Wait()
	for i := range counts {
		assert.Positive(t, counts[i].Load(), modes[i])
	}
}

type modeKey struct{}

// modeTransport tells the test server, through a header, how to answer.
type modeTransport struct{ rt *http.Transport }

func (m modeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if mode, ok := r.Context().Value(modeKey{}).(string); ok {
		r.Header.Set("X-Test-Mode", mode)
	}
	return m.rt.RoundTrip(r)
}
