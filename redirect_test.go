package freddy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A same-host 301, 302 or 303 answering a write makes net/http follow it
// with a GET without the body; the GET's 200 must not pass for the write's
// success. The error names the status and the location's path, not its
// query, and the call is not retried. 307 and 308 keep method and body.
func TestRedirectThatChangesAWritesMethodIsAnError(t *testing.T) {
	writes := writeCalls()
	ok := func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/moved/test" {
			return response(200, fixture(t, "test_healthy.json")), nil
		}
		return response(200, fixture(t, "get_200.json")), nil
	}
	for _, status := range []int{301, 302, 303} {
		for name, call := range writes {
			t.Run(strconv.Itoa(status)+" "+name, func(t *testing.T) {
				rt := script(reply(status, nil, "Location", "/moved/test?token=s3cr3t_query"), ok)
				err := call(newClient(t, rt))
				require.Error(t, err, "the redirected GET's 200 passed for success")
				assert.Contains(t, err.Error(), strconv.Itoa(status))
				assert.Contains(t, err.Error(), "/moved/test")
				assert.NotContains(t, err.Error(), "s3cr3t_query")
				assert.Len(t, rt.requests(), 1, "neither followed nor retried")
				// The write was sent: the server may have acted (a 303 may
				// follow a create), and the text must not say otherwise.
				assert.ErrorIs(t, err, ErrOutcomeUnknown)
				assert.NotContains(t, err.Error(), "nothing would be done")
				assert.Contains(t, err.Error(), "may have acted")
			})
		}
	}
	for _, status := range []int{307, 308} {
		t.Run(strconv.Itoa(status)+" keeps the method", func(t *testing.T) {
			rt := script(reply(status, nil, "Location", "/moved/test"), ok)
			_, err := newClient(t, rt).Configurations.Test(context.Background(), "pconf_1")
			require.NoError(t, err)
			require.Len(t, rt.requests(), 2)
		})
	}
	t.Run("a read may be redirected", func(t *testing.T) {
		rt := script(reply(302, nil, "Location", "/moved/get"), ok)
		_, err := newClient(t, rt).Configurations.Get(context.Background(), "pconf_1")
		require.NoError(t, err)
	})
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
		assert.ErrorIs(t, err, ErrOutcomeUnknown, "every hop was sent")
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

// A refused redirect's host comes from the server, unescaped by url.Parse:
// line and paragraph separators, C1 controls and bidirectional overrides in
// it are escaped, so the error stays one log line.
func TestRefusedRedirectHostStaysOnOneLine(t *testing.T) {
	for _, r := range []rune{'\u2028', '\u2029', '\u0085', '\u009b', '\u202e', '\u200f'} {
		loc := "https://ev" + url.PathEscape(string(r)) + "il.example/x"
		var logs bytes.Buffer
		c := newClient(t, script(reply(http.StatusFound, nil, "Location", loc)), WithMaxRetries(0),
			WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.ErrorContains(t, err, "refused to follow a redirect to https://ev")
		assert.ErrorIs(t, err, ErrOutcomeUnknown, "the write was sent")
		msg := err.Error()
		assert.NotContains(t, msg, string(r), "%U", r)
		assert.Contains(t, msg, strconv.QuoteRune(r)[1:len(strconv.QuoteRune(r))-1], "escaped, not dropped")
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			assert.NotContains(t, line, string(r))
		}
	}
}

// A refused redirect whose Location path holds the key percent-encoded,
// every byte or a mix, in either hex case: neither the caller's error nor
// the Observer's decodes back to a window of it. Both refusals: another
// host, and a write turned into a GET.
func TestRefusedRedirectPathHoldsNoPercentEncodedKey(t *testing.T) {
	encode := func(s string, every bool, format string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if every || i%3 != 0 {
				fmt.Fprintf(&b, format, s[i])
				continue
			}
			b.WriteByte(s[i])
		}
		return b.String()
	}
	for _, every := range []bool{true, false} {
		for _, format := range []string{"%%%02X", "%%%02x"} {
			path := "/keys/" + encode(testAPIKey, every, format)
			for name, tc := range map[string]struct {
				status   int
				location string
			}{"another host": {307, "https://login.example" + path}, "write to GET": {303, path}} {
				obs := &decodingObserver{}
				c := newClient(t, script(reply(tc.status, nil, "Location", tc.location)), WithObserver(obs), WithMaxRetries(0))
				_, err := c.Configurations.Create(context.Background(), validParams())
				require.Error(t, err, name)
				seen := append(obs.errs, obs.locations...)
				require.NotEmpty(t, seen, "%s: the Observer was shown the refusal or the redirect", name)
				for _, text := range append(seen, err.Error()) {
					dec, _ := url.PathUnescape(text)
					assertNoWindow(t, testAPIKey, text)
					assertNoWindow(t, testAPIKey, dec)
				}
			}
		}
	}
}
