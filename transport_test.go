package freddy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoHiddenResendOfAnIdempotentCreate: net/http resends a request that
// carries Idempotency-Key, by itself, when a reused connection dies after the
// request was written. The SDK disables that for requests with a body, so
// every delivery the server sees is an attempt the SDK counts and logs.
func TestNoHiddenResendOfAnIdempotentCreate(t *testing.T) {
	ok := fixture(t, "create_200.json")
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if hits.Add(1) == 2 {
			// The request arrived on the reused connection; the server
			// dies before answering.
			conn, _, err := http.NewResponseController(w).Hijack()
			require.NoError(t, err)
			_ = conn.Close()
			return
		}
		_, _ = w.Write(ok)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), fastRetries,
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	defer c.CloseIdleConnections()

	_, err = c.Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	logs.Reset()
	var resp Response
	_, err = c.Configurations.Create(context.Background(), validParams(), WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, int32(3), hits.Load())
	assert.Equal(t, 2, resp.Attempts, "the second delivery is an attempt the SDK made, not one net/http hid")
	assert.Equal(t, 2, strings.Count(logs.String(), `msg="freddy: attempt"`), "and it is logged:\n%s", logs.String())
}

// TestGetMayBeResentByNetHTTP pins what docs/reference.md states: for a GET, which has
// no body and is idempotent, net/http's own resend on a fresh connection is
// kept; the server may see one attempt twice.
func TestGetMayBeResentByNetHTTP(t *testing.T) {
	get := fixture(t, "get_200.json")
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 2 {
			conn, _, err := http.NewResponseController(w).Hijack()
			require.NoError(t, err)
			_ = conn.Close()
			return
		}
		_, _ = w.Write(get)
	}))
	defer srv.Close()
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), fastRetries)
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	_, err = c.Configurations.Get(context.Background(), "pconf_1")
	require.NoError(t, err)
	var resp Response
	_, err = c.Configurations.Get(context.Background(), "pconf_1", WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, int32(3), hits.Load())
	assert.Equal(t, 1, resp.Attempts)
}

// TestCallersCheckRedirect: the caller's CheckRedirect runs for same-host
// redirects; its error ends the call without a retry, and
// http.ErrUseLastResponse returns the 3xx.
func TestCallersCheckRedirect(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	refuse := errors.New("my policy: no redirects")
	for name, tt := range map[string]struct {
		policy func(*http.Request, []*http.Request) error
		check  func(t *testing.T, err error)
	}{
		"an error is final": {func(*http.Request, []*http.Request) error { return refuse }, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, refuse)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 1, re.Attempts)
		}},
		"ErrUseLastResponse returns the 3xx": {func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, func(t *testing.T, err error) {
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusTemporaryRedirect, apiErr.StatusCode)
		}},
	} {
		t.Run(name, func(t *testing.T) {
			hits.Store(0)
			c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), fastRetries, WithHTTPClient(&http.Client{CheckRedirect: tt.policy}))
			require.NoError(t, err)
			defer c.CloseIdleConnections()
			_, err = c.Configurations.Get(context.Background(), "pconf_1")
			tt.check(t, err)
			assert.Equal(t, int32(1), hits.Load(), "not retried")
		})
	}
}

// TestNilResponseBody: a RoundTripper may answer with a nil Body; it reads
// as empty and gives a typed error, never a panic.
func TestNilResponseBody(t *testing.T) {
	nilBody := func(status int) func(*http.Request) (*http.Response, error) {
		return func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: status, Header: http.Header{}, Request: r}, nil
		}
	}
	c := newClient(t, script(nilBody(200)))
	_, err := c.Configurations.Create(context.Background(), validParams())
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "not valid JSON")

	c = newClient(t, script(nilBody(403)))
	_, err = c.Configurations.Get(context.Background(), "pconf_1")
	var ae *AuthorizationError
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, err.Error(), `unexpected response body "(empty)"`)

	c = newClient(t, script(nilBody(204)))
	assert.NoError(t, c.Configurations.Delete(context.Background(), "pconf_1"))
}

// redirectEvery answers every request with a same-host 307 after d.
func redirectEvery(d time.Duration) func(*http.Request) (*http.Response, error) {
	return func(r *http.Request) (*http.Response, error) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
		return response(http.StatusTemporaryRedirect, nil, "Location", r.URL.Path), nil
	}
}

// TestOneDeadlinePerAttemptAcrossRedirects: WithTimeout bounds an attempt
// from its first request, whatever redirects it follows.
func TestOneDeadlinePerAttemptAcrossRedirects(t *testing.T) {
	// An Observer sees each hop on a view of its own (observerview.go):
	// the hop must still be known as one.
	for _, opts := range [][]Option{nil, {WithObserver(&hopObserver{})}} {
		synctest.Test(t, func(t *testing.T) {
			rt := script(redirectEvery(800 * time.Millisecond))
			allowAll := func(*http.Request, []*http.Request) error { return nil }
			c := newClient(t, nil, append(opts, WithHTTPClient(&http.Client{Transport: rt, CheckRedirect: allowAll}), WithTimeout(time.Second), WithMaxRetries(0))...)
			start := time.Now()
			_, err := c.Configurations.Get(context.Background(), "pconf_1")
			assert.Equal(t, time.Second, time.Since(start), "the second hop runs into the first hop's deadline")
			var timeout interface{ Timeout() bool }
			require.ErrorAs(t, err, &timeout)
			assert.Len(t, rt.requests(), 2)
		})
	}
}

// TestRedirectLoopsEndWhateverTheCallersPolicy: a CheckRedirect that allows
// everything still meets the SDK's stop after 10 redirects, which is final.
func TestRedirectLoopsEndWhateverTheCallersPolicy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(redirectEvery(0))
		allowAll := func(*http.Request, []*http.Request) error { return nil }
		c := newClient(t, nil, WithHTTPClient(&http.Client{Transport: rt, CheckRedirect: allowAll}))
		_, err := c.Configurations.Get(context.Background(), "pconf_1")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "stopped after 10 redirects")
		assert.Len(t, rt.requests(), 10, "one attempt, not retried")
	})
}

// TestPerAttemptTimeoutIsNotTheCallersDeadline: errors.Is(err,
// context.DeadlineExceeded) means the caller's deadline, never the SDK's own
// per-attempt timeout.
func TestPerAttemptTimeoutIsNotTheCallersDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, err := newClient(t, script(hang), WithTimeout(time.Second)).Configurations.Get(context.Background(), "pconf_1")
		var timeout interface{ Timeout() bool }
		require.ErrorAs(t, err, &timeout)
		assert.True(t, timeout.Timeout())
		assert.NotErrorIs(t, err, context.DeadlineExceeded)

		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_, err = newClient(t, script(hang), WithTimeout(time.Second)).Configurations.Get(ctx, "pconf_1")
		assert.ErrorIs(t, err, context.DeadlineExceeded, "the caller's own deadline")
	})
}

// TestSlowCheckRedirectRunsIntoTheAttemptDeadline: the caller's policy runs
// between hops; an attempt whose time ran out meanwhile sends no more hops.
func TestSlowCheckRedirectRunsIntoTheAttemptDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(redirectEvery(0))
		slow := func(*http.Request, []*http.Request) error { time.Sleep(700 * time.Millisecond); return nil }
		c := newClient(t, nil, WithHTTPClient(&http.Client{Transport: rt, CheckRedirect: slow}), WithTimeout(300*time.Millisecond), WithMaxRetries(0))
		start := time.Now()
		_, err := c.Configurations.Get(context.Background(), "pconf_1")
		assert.Equal(t, 700*time.Millisecond, time.Since(start))
		var ne net.Error
		require.ErrorAs(t, err, &ne)
		assert.True(t, ne.Timeout())
		assert.Len(t, rt.requests(), 1, "the next hop is not sent")
	})
}

// TestAnIDDoesNotChangeWhatIsRetried: the words of a URL (a configuration
// ID) are not read as the cause of a failure.
func TestAnIDDoesNotChangeWhatIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(fail(io.ErrUnexpectedEOF))
		_, err := newClient(t, rt).Configurations.Get(context.Background(), "pconf_certificate_invalid_header_rotation")
		require.Error(t, err)
		assert.Len(t, rt.requests(), 3)
	})
}

// TestScrubbedErrorsStayNetErrors: an error whose text had to be scrubbed
// still answers errors.Is for its causes and net.Error for a timeout.
func TestScrubbedErrorsStayNetErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		echo := &opaqueError{cause: fmt.Errorf("upstream said %s: %w", testAPIKey, io.ErrUnexpectedEOF)}
		_, err := newClient(t, script(fail(echo)), WithMaxRetries(0)).Configurations.Get(context.Background(), "pconf_1")
		requireNoSecret(t, err.Error())
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

		timeoutEcho := &timeoutErr{msg: "i/o timeout talking to " + testAPIKey}
		_, err = newClient(t, script(fail(timeoutEcho)), WithMaxRetries(0)).Configurations.Get(context.Background(), "pconf_1")
		requireNoSecret(t, err.Error())
		var ne net.Error
		require.ErrorAs(t, err, &ne)
		assert.True(t, ne.Timeout())
	})
}

type timeoutErr struct{ msg string }

func (e *timeoutErr) Error() string   { return e.msg }
func (e *timeoutErr) Timeout() bool   { return true }
func (e *timeoutErr) Temporary() bool { return true }
