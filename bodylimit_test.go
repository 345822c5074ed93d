package freddy

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
