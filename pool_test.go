package freddy

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// poolRun makes workers×calls creates through one client and returns the
// TCP connections the server accepted.
func poolRun(t *testing.T, workers, calls int, opts ...Option) int32 {
	ok := fixture(t, "create_200.json")
	c, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(ok) }, opts...)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range calls {
				_, err := c.Configurations.Create(context.Background(), validParams())
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	return conns.Load()
}

// The bound itself is the transport's setting; the runs show it keeps
// connections for reuse. Their counts are not compared with 64 exactly:
// net/http closes a connection instead of reusing it when its request write
// has not been reported done within 50ms (maxWriteWaitBeforeConnReuse), which
// a loaded machine can make happen, and the server can see a new connection
// before the close of the one it replaces. A 65th connection failed one run
// in about 20 under -race that way.
// TestPoolSettings: callers beyond the bound wait for a connection, and
// every connection can stay for reuse. The runs below show the effect.
func TestPoolSettings(t *testing.T) {
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(testBaseURL))
	require.NoError(t, err)
	tr, ok := c.core.transport.(*http.Transport)
	require.True(t, ok, "default transport is %T", c.core.transport)
	assert.Equal(t, DefaultMaxConnsPerHost, tr.MaxConnsPerHost, "callers beyond the bound wait for a connection")
	assert.Equal(t, DefaultMaxConnsPerHost, tr.MaxIdleConnsPerHost, "every connection can stay for reuse")
}

func TestPoolKeepsConnectionsForConcurrentCallers(t *testing.T) {
	longTest(t)
	n := poolRun(t, 64, 100)
	t.Logf("64 goroutines x 100 creates, default transport: %d connections", n)
	assert.LessOrEqual(t, n, int32(64*100/10), "connections are reused")
	n = poolRun(t, 128, 20)
	t.Logf("128 goroutines x 20 creates, default transport: %d connections", n)
	assert.LessOrEqual(t, n, int32(128*20/10), "connections are reused")
}

// TestPoolControlCleanhttpDefault shows what the pool setting guards
// against: cleanhttp's pooled default keeps GOMAXPROCS+1 idle connections per
// host, so the same load dials far more than 64.
func TestPoolControlCleanhttpDefault(t *testing.T) {
	longTest(t)
	hc := cleanhttp.DefaultPooledClient()
	defer hc.CloseIdleConnections()
	n := poolRun(t, 64, 100, WithHTTPClient(hc))
	t.Logf("64 goroutines x 100 creates, cleanhttp default transport: %d connections", n)
	assert.Greater(t, n, int32(64))
}

// TestGivingUpKeepsOtherConnections: retryablehttp closes every idle
// connection of the pool each time a call gives up; the SDK's transport
// wrapper keeps that from emptying the pool under everyone else.
func TestGivingUpKeepsOtherConnections(t *testing.T) {
	ok, bad := fixture(t, "create_200.json"), fixture(t, "error_400.json")
	var fail atomic.Bool
	c, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.WriteHeader(400)
			_, _ = w.Write(bad)
			return
		}
		_, _ = w.Write(ok)
	})
	for i := range 6 {
		fail.Store(i%2 == 1)
		_, err := c.Configurations.Create(context.Background(), validParams())
		assert.Equal(t, i%2 == 1, err != nil)
	}
	assert.Equal(t, int32(1), conns.Load())
}

func TestHTTP2OverTLS(t *testing.T) {
	var proto atomic.Int32
	ok := fixture(t, "create_200.json")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(int32(r.ProtoMajor))
		_, _ = w.Write(ok)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	roots := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), func(c *config) error {
		c.tlsConfig = &tls.Config{RootCAs: roots}
		return nil
	})
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	_, err = c.Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	assert.Equal(t, int32(2), proto.Load(), "the default transport negotiates HTTP/2")
}
