package freddy

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notFoundServer answers every request 404 and counts them.
func notFoundServer(t *testing.T, hits *atomic.Int32) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":{"type":"not_found_error","message":"nf","code":"configuration_not_found"}}`)
	}))
	t.Cleanup(s.Close)
	return s
}

// blockFirstDial is a transport whose first dial blocks until its context
// ends (the attempt's timeout or the caller's deadline); later dials connect.
func blockFirstDial() *http.Transport {
	var n atomic.Int32
	var d net.Dialer
	return &http.Transport{DialContext: func(ctx context.Context, nw, addr string) (net.Conn, error) {
		if n.Add(1) == 1 {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return d.DialContext(ctx, nw, addr)
	}}
}

func sentTestClient(t *testing.T, base string, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(append([]Option{WithAPIKey(testAPIKey), WithBaseURL(base), WithRetryWait(time.Millisecond, time.Millisecond)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// A dial that blocks until the attempt's timeout sent nothing: the 404 that
// answers the retry is the configuration's own, not a lost delete's.
func TestSentDialTimeoutThen404IsNotFound(t *testing.T) {
	var hits atomic.Int32
	s := notFoundServer(t, &hits)
	c := sentTestClient(t, s.URL, WithTimeout(20*time.Millisecond), WithHTTPClient(&http.Client{Transport: blockFirstDial()}))
	err := c.Configurations.Delete(context.Background(), "pconf_1")
	require.ErrorIs(t, err, ErrNotFound)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, int32(1), hits.Load())
}

// A dial that blocks until the caller's deadline sent nothing.
func TestSentDialUntilDeadlineIsNotOutcomeUnknown(t *testing.T) {
	var hits atomic.Int32
	s := notFoundServer(t, &hits)
	c := sentTestClient(t, s.URL, WithMaxRetries(0), WithHTTPClient(&http.Client{Transport: blockFirstDial()}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.Configurations.Create(ctx, validParams())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Zero(t, hits.Load())
}

// An untrusted certificate fails the handshake before anything is sent.
func TestSentTLSHandshakeFailureIsNotOutcomeUnknown(t *testing.T) {
	var hits atomic.Int32
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake error is the point
	t.Cleanup(s.Close)
	c := sentTestClient(t, s.URL, WithMaxRetries(0))
	_, err := c.Configurations.Create(context.Background(), validParams())
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Zero(t, hits.Load())
}

// A Proxy func's error ends the attempt before any connection.
func TestSentProxyFuncErrorIsNotOutcomeUnknown(t *testing.T) {
	var hits atomic.Int32
	s := notFoundServer(t, &hits)
	tr := &http.Transport{Proxy: func(*http.Request) (*url.URL, error) { return nil, errors.New("no proxy") }}
	c := sentTestClient(t, s.URL, WithMaxRetries(0), WithHTTPClient(&http.Client{Transport: tr}))
	err := c.Configurations.Delete(context.Background(), "pconf_1")
	require.ErrorContains(t, err, "no proxy")
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Zero(t, hits.Load())
}

// A middleware that fails without calling next sent nothing.
func TestSentMiddlewareWithoutNextIsNotOutcomeUnknown(t *testing.T) {
	var hits atomic.Int32
	s := notFoundServer(t, &hits)
	stop := func(*http.Request, MiddlewareNext) (*http.Response, error) { return nil, errors.New("refused locally") }
	c := sentTestClient(t, s.URL, WithMaxRetries(0), WithMiddleware(stop))
	_, err := c.Configurations.Create(context.Background(), validParams())
	require.ErrorContains(t, err, "refused locally")
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Zero(t, hits.Load())
}

// The control: a connection that drops after the request was read may have
// been acted on, and a 404 answering the retry is Delete's success.
func TestSentDropThen404IsDeleted(t *testing.T) {
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":{"type":"not_found_error","message":"nf","code":"configuration_not_found"}}`)
	}))
	t.Cleanup(s.Close)
	c := sentTestClient(t, s.URL)
	require.NoError(t, c.Configurations.Delete(context.Background(), "pconf_1"))
	assert.Equal(t, int32(2), n.Load())
}
