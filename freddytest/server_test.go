package freddytest

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	freddy "github.com/aitronos/freddy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewServerURL(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+$`, srv.URL)
	assert.Equal(t, DefaultAPIKey, srv.APIKey)
}

func TestCloseTwice(t *testing.T) {
	srv := NewServer()
	c := freshCaller(t, srv)
	c.create(validBody)
	srv.Close()
	srv.Close()
	_, err := c.try(http.MethodGet, basePath, "")
	assert.Error(t, err, "nothing listens after Close")
	assert.Len(t, srv.Configurations(), 1, "the accessors still work")
}

func TestCloseConcurrently(t *testing.T) {
	srv := NewServer()
	done := make(chan struct{}, 2)
	for range 2 {
		go func() { srv.Close(); done <- struct{}{} }()
	}
	within(t, done, 10*time.Second, "first Close")
	within(t, done, 10*time.Second, "second Close")
}

func TestCloseReleasesStall(t *testing.T) {
	srv := NewServer()
	c := freshCaller(t, srv)
	srv.Inject(Fault{Kind: FaultStall}, Fault{Kind: FaultStallBody})
	errc := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := c.try(http.MethodPost, basePath, validBody)
			errc <- err
		}()
	}
	waitRequests(t, srv, 2)
	closed := make(chan time.Duration, 1)
	go func() {
		began := time.Now()
		srv.Close()
		closed <- time.Since(began)
	}()
	took := within(t, closed, 10*time.Second, "Close with stalled requests")
	assert.Less(t, took, time.Second, "Close does not wait for the stalls")
	assert.Error(t, within(t, errc, 10*time.Second, "a stalled request"))
	assert.Error(t, within(t, errc, 10*time.Second, "a stalled request"))
}

func TestCloseWithIdleSDKClient(t *testing.T) {
	srv := NewServer()
	client, err := srv.Client()
	require.NoError(t, err)
	_, err = client.Configurations.Create(context.Background(), params())
	require.NoError(t, err)
	srv.Close() // closes the client's kept-alive connection: nothing leaks
}

func TestStartRegistersCleanup(t *testing.T) {
	var srv *Server
	t.Run("inner", func(t *testing.T) {
		srv = Start(t)
		newCaller(t, srv).create(validBody)
	})
	select {
	case <-srv.done:
	default:
		t.Fatal("the server outlived the test that started it")
	}
	_, err := freshCaller(t, srv).try(http.MethodGet, basePath, "")
	assert.Error(t, err)
}

func TestWithListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := NewServer(WithListener(l), WithListener(nil), WithListener(l))
	assert.Equal(t, "http://"+l.Addr().String(), srv.URL)
	newCaller(t, srv).create(validBody)
	srv.Close()
	_, err = l.Accept()
	assert.ErrorIs(t, err, net.ErrClosed, "the server closed the listener")
}

func TestWithListenerClosedBeforeServing(t *testing.T) {
	// Close right after NewServer, before the accept loop may have begun,
	// still closes the listener.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	NewServer(WithListener(l)).Close()
	_, err = l.Accept()
	assert.ErrorIs(t, err, net.ErrClosed)
}

func TestReset(t *testing.T) {
	clock := newFakeClock()
	srv, c := start(t, WithRateLimit(2, time.Hour), WithClock(clock.Now), WithForbiddenConnectors("pcon_slack"))
	first := c.do(http.MethodPost, basePath, validBody, "Idempotency-Key", "k")
	id := first.body["data"].(map[string]any)["id"].(string)
	require.True(t, srv.SetHealth(id, freddy.HealthStatusUnhealthy, ""))
	srv.Inject(Fault{Kind: FaultServerError})

	srv.Reset()
	assert.Empty(t, srv.Configurations())
	assert.Empty(t, srv.Requests())
	assert.False(t, srv.SetHealth(id, freddy.HealthStatusHealthy, ""))
	again := c.do(http.MethodPost, basePath, validBody, "Idempotency-Key", "k")
	require.Equal(t, http.StatusOK, again.status, "no fault, no replay")
	assert.Empty(t, again.header.Get("Idempotent-Replayed"))
	assert.NotEqual(t, first.raw, again.raw)
	assert.Equal(t, "1", again.header.Get("X-RateLimit-Remaining"), "a fresh window")
	assert.Equal(t, http.StatusForbidden, c.do(http.MethodPost, basePath, `{"personalConnectorId":"pcon_slack","name":"n","credentials":{"a":"b"}}`).status,
		"options are kept")
}

func TestClient(t *testing.T) {
	srv := Start(t, WithAPIKeys("fk_custom"))
	client, err := srv.Client()
	require.NoError(t, err)
	_, err = client.Configurations.Create(context.Background(), params())
	require.NoError(t, err)
	req := srv.Requests()[0]
	assert.Equal(t, "fk_custom", req.Header.Get("X-API-Key"))

	client, err = srv.Client(freddy.WithAPIKey("fk_wrong"))
	require.NoError(t, err)
	_, err = client.Configurations.Create(context.Background(), params())
	require.Error(t, err, "opts win")
	assert.Contains(t, err.Error(), "UNAUTHORIZED")

	_, err = srv.Client(freddy.WithTimeout(-1))
	assert.Error(t, err, "NewClient's error")
}

func TestClientTimeoutDefault(t *testing.T) {
	// The 2 s attempt timeout: one stall costs one timeout, then the retry
	// succeeds. This is the one test that waits it out.
	if testing.Short() {
		t.Skip("waits 2 s")
	}
	srv := Start(t)
	srv.Inject(Fault{Kind: FaultStall})
	client, err := srv.Client()
	require.NoError(t, err)
	began := time.Now()
	_, err = client.Configurations.Create(context.Background(), params())
	require.NoError(t, err)
	took := time.Since(began)
	assert.GreaterOrEqual(t, took, 2*time.Second)
	assert.Less(t, took, 10*time.Second)
}

func TestConfigurationsAreCopies(t *testing.T) {
	srv, c := start(t)
	c.create(`{"personalConnectorId":"p","name":"n","credentials":{"a":"b"},"configuration":{"list":[{"k":1}]},"metadata":{"m":{"n":1}},"description":"d"}`)
	got := srv.Configurations()[0]
	got.Configuration["list"].([]any)[0].(map[string]any)["k"] = 2
	got.Metadata["m"].(map[string]any)["n"] = 2
	*got.Description = "changed"
	again := srv.Configurations()[0]
	assert.Equal(t, map[string]any{"list": []any{map[string]any{"k": float64(1)}}}, again.Configuration)
	assert.Equal(t, map[string]any{"m": map[string]any{"n": float64(1)}}, again.Metadata)
	assert.Equal(t, "d", *again.Description)
	assert.Nil(t, again.RawJSON())
}

// TestClientTLSWithHTTPClient: opts win, WithHTTPClient included; the
// server's certificate is still trusted.
func TestClientTLSWithHTTPClient(t *testing.T) {
	srv := StartTLS(t)
	c, err := srv.Client(freddy.WithHTTPClient(&http.Client{}))
	require.NoError(t, err)
	_, err = c.Configurations.List(context.Background(), freddy.ListConfigurationsParams{})
	require.NoError(t, err)
}

func TestWithTLSRefusesBadHosts(t *testing.T) {
	for _, h := range []string{"freddy-emulator", "my_service.test", "10.0.0.7", "::1", "a.b.c."} {
		assert.NoError(t, CheckTLSHost(h), h)
	}
	for _, h := range []string{"", "bad host", "http://x", "x:443", "-lead", "a..b", "*.example", strings.Repeat("a", 64)} {
		assert.Error(t, CheckTLSHost(h), h)
	}
	rec := &recordingTB{TB: t}
	srv := NewServer(WithTLS("good-host", "bad host"))
	defer srv.Close()
	srv.attach(rec)
	require.Len(t, rec.errs, 1)
	assert.Contains(t, rec.errs[0], `TLS host "bad host"`)
	assert.Equal(t, []string{"localhost", "good-host"}, srv.cert.DNSNames)
}
