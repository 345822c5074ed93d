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
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Property tests for the secret promise: no 8-byte window of the API key or
// of a credential value appears in any error string, any fmt verb of an
// error, any log record or the response metadata, whatever a hostile server
// echoes, wherever and however it cuts or encodes it.

const secretWindow = 8

// leaks returns the first window of a secret found in out, or "".
func leaks(out string, secrets []string) string {
	for _, s := range secrets {
		for i := 0; i+secretWindow <= len(s); i++ {
			if w := s[i : i+secretWindow]; strings.Contains(out, w) {
				return w
			}
		}
	}
	return ""
}

func requireNoWindow(t testing.TB, what, out string, secrets []string) {
	t.Helper()
	if w := leaks(out, secrets); w != "" {
		t.Fatalf("%s shows the secret window %q:\n%s", what, w, out)
	}
}

// secretChars includes what JSON, URL and Go quoting escape.
const secretChars = `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~&<>"\'%+/=?# ` + "\té€😀"

// randomSecret returns n bytes or a little more from chars, with no space at
// either end: a secret's edge next to the SDK's own separators would
// otherwise make a window of 7 echoed bytes and one space the SDK wrote.
func randomSecret(r *rand.Rand, n int, chars string) string {
	runes := []rune(chars)
	var b strings.Builder
	for b.Len() < n || strings.TrimSpace(b.String()) != b.String() {
		if b.Len() > 0 && strings.TrimSpace(b.String()) != b.String() {
			b.Reset()
		}
		b.WriteRune(runes[r.IntN(len(runes))])
	}
	return b.String()
}

// secretSet is one round's API key and credentials.
type secretSet struct {
	apiKey  string
	creds   Credentials
	secrets []string // every value, as text
}

// oauthTokens is a caller's own type inside credentials: it is sent as JSON
// encodes it, so it must be scrubbed as such.
type oauthTokens struct {
	Access  string   `json:"access"`
	Refresh *string  `json:"refresh"`
	Scopes  []string `json:"scopes"`
}

func newSecretSet(r *rand.Rand) secretSet {
	key := randomSecret(r, 16+r.IntN(32), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$*")
	token := randomSecret(r, 8+r.IntN(40), secretChars)
	refresh := randomSecret(r, 8+r.IntN(20), secretChars)
	scoped := randomSecret(r, 8+r.IntN(20), secretChars)
	raw := randomSecret(r, 8+r.IntN(20), "abcdefghijklmnopqrstuvwxyz0123456789")
	num := 10_000_000 + r.IntN(1_000_000_000)
	creds := NewCredentials(map[string]any{"type": "oauth2", "accessToken": token,
		"nested": []map[string]any{{"list": []any{num}}},
		"oauth":  &oauthTokens{Access: scoped, Refresh: &refresh, Scopes: []string{"repo"}},
		"raw":    json.RawMessage(`{"k":"` + raw + `"}`)})
	return secretSet{apiKey: key, creds: creds, secrets: []string{key, token, refresh, scoped, raw, strconv.Itoa(num)}}
}

// chain returns err and every error its chain reaches.
func chain(err error) []error {
	if err == nil {
		return nil
	}
	out := []error{err}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		out = append(out, chain(u.Unwrap())...)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, chain(e)...)
		}
	}
	return out
}

// echo is one way a server may send a secret back.
func echo(r *rand.Rand, secret string) string {
	s := secret
	if r.IntN(3) == 0 && len(s) > secretWindow {
		// A fragment, cut anywhere.
		start := r.IntN(len(s) - secretWindow)
		s = s[start : start+secretWindow+r.IntN(len(s)-start-secretWindow+1)]
	}
	switch r.IntN(6) {
	case 5: // Python's json.dumps: every non-ASCII character as \uXXXX
		b, _ := json.Marshal(s)
		var out strings.Builder
		for _, c := range string(b[1 : len(b)-1]) {
			if c < 0x80 {
				out.WriteRune(c)
				continue
			}
			for _, u := range utf16.Encode([]rune{c}) {
				fmt.Fprintf(&out, `\u%04x`, u)
			}
		}
		return out.String()
	case 1:
		b, _ := json.Marshal(s)
		return string(b[1 : len(b)-1])
	case 2:
		return url.QueryEscape(s)
	case 3:
		return url.PathEscape(s)
	case 4:
		return strconv.Quote(s)[1 : len(strconv.Quote(s))-1]
	}
	return s
}

var createOK = []byte(`{"success":true,"data":{"id":"pconf_abc123","name":"n","credentials":"***REDACTED***"}}`)

// hostile builds a response that echoes the secrets; kind picks where.
func hostile(r *rand.Rand, ss secretSet, kind int) func(*http.Request) (*http.Response, error) {
	e := func() string { return echo(r, ss.secrets[r.IntN(len(ss.secrets))]) }
	filler := func(n int) string { return strings.Repeat("x", n) }
	jsonStr := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	statuses := []int{400, 401, 403, 404, 409, 422, 429, 500, 502, 503}
	status := statuses[r.IntN(len(statuses))]
	switch kind % 11 {
	case 10: // a transport error whose text hides a cause that echoes
		return fail(&opaqueError{cause: errors.New("upstream said " + e())})
	case 8: // a redirect to another host, the echo in its path and query
		return reply(http.StatusFound, nil, "Location", "https://evil.example/"+url.PathEscape(e())+"?t="+url.QueryEscape(e()))
	case 9: // a redirect loop on the same host that names the echo
		return func(r *http.Request) (*http.Response, error) {
			return response(http.StatusTemporaryRedirect, nil, "Location", r.URL.Path+"/"+url.PathEscape(e())), nil
		}
	case 0: // the error envelope, every text member echoing
		body := `{"success":false,"error":{"code":` + jsonStr(e()) + `,"message":` + jsonStr(filler(r.IntN(50))+e()) +
			`,"system_message":` + jsonStr(e()) + `,"type":` + jsonStr(e()) + `,"trace_id":` + jsonStr("req_"+e()) +
			`,"details":{` + jsonStr(e()) + `:[` + jsonStr(e()) + `,{"deep":` + jsonStr(e()) + `}],"retry_after":0.001}}}`
		return reply(status, []byte(body), "Retry-After", "0")
	case 1: // the short error body
		body := `{"error":{"type":"validation_error","message":` + jsonStr(e()+" "+e()) + `,"code":` + jsonStr(e()) + `}}`
		return reply(status, []byte(body))
	case 2: // a non-JSON page with the echo around the snippet cut
		body := filler(90+r.IntN(40)) + e() + filler(r.IntN(300))
		return reply(status, []byte(body), "Content-Type", "text/html")
	case 3: // a 2xx that is not JSON
		return reply(200, []byte(filler(r.IntN(130))+e()+filler(r.IntN(50))))
	case 4: // a 2xx whose JSON quotes the echo back in a parse error
		return reply(200, []byte(`{"success":true,"data":{"id":"pconf_1","created_at":`+jsonStr(e())+`}}`))
	case 5: // a transport error that quotes the echo
		return fail(errors.New("proxy said: " + e()))
	case 6: // headers
		return reply(status, nil, "X-Request-Id", e(), "X-Echo", e())
	default: // a 2xx with the echo in a header and a good body
		return reply(200, createOK, "X-Request-Id", e(), "X-Echo", e())
	}
}

// opaqueError is a transport library's error with a fixed text over a cause
// that may hold anything.
type opaqueError struct{ cause error }

func (e *opaqueError) Error() string { return "proxy failure" }
func (e *opaqueError) Unwrap() error { return e.cause }

// checkCall runs one Create and one Update against step and checks every
// output for windows of the secrets.
func checkCall(t testing.TB, ss secretSet, step func(*http.Request) (*http.Response, error)) {
	var logs bytes.Buffer
	text := slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})
	jsonH := slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})
	c, err := NewClient(WithAPIKey(ss.apiKey), WithBaseURL(testBaseURL), WithHTTPClient(&http.Client{Transport: script(step)}),
		WithMaxRetries(1), WithRetryWait(time.Microsecond, time.Microsecond), WithMaxRetryWait(time.Millisecond),
		WithLogger(slog.New(fanout{text, jsonH})))
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	p := validParams()
	p.Credentials = ss.creds
	var resp Response
	_, err1 := c.Configurations.Create(context.Background(), p, WithResponseInto(&resp))
	var resp2 Response
	_, err2 := c.Configurations.Update(context.Background(), "pconf_1", UpdateConfigurationParams{Credentials: ss.creds}, WithResponseInto(&resp2))
	for _, err := range []error{err1, err2} {
		if err == nil {
			continue
		}
		assert.Equal(t, 1, strings.Count(err.Error(), "freddy:"), err.Error())
		for _, e := range chain(err) {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				requireNoWindow(t, "fmt "+verb+" of the error chain", fmt.Sprintf(verb, e), ss.secrets)
			}
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			requireNoWindow(t, "the APIError fields", fmt.Sprintf("%#v %v", *apiErr, apiErr.Details), ss.secrets)
		}
		var re *RequestError
		if errors.As(err, &re) && re.LastAPIError != nil {
			requireNoWindow(t, "LastAPIError", re.LastAPIError.Error(), ss.secrets)
		}
	}
	requireNoWindow(t, "the log records", logs.String(), ss.secrets)
	requireNoWindow(t, "the response metadata", fmt.Sprintf("%+v %+v", resp, resp2), ss.secrets)
}

// fanout sends each record to every handler.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool { return f[0].Enabled(ctx, l) }
func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range f {
		if err := h.Handle(ctx, r.Clone()); err != nil {
			return err
		}
	}
	return nil
}
func (f fanout) WithAttrs(a []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(a)
	}
	return out
}
func (f fanout) WithGroup(g string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(g)
	}
	return out
}

func TestNoSecretWindowInAnyOutput(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for round := range 500 {
		ss := newSecretSet(r)
		checkCall(t, ss, hostile(r, ss, round))
	}
}

// TestSnippetCutNeverSplitsASecret places a secret across the 120-byte cut
// at every offset.
func TestSnippetCutNeverSplitsASecret(t *testing.T) {
	secret := "ghp_CUTSECRET_0123456789abcdef"
	for off := snippetLen - len(secret); off <= snippetLen+1; off++ {
		body := strings.Repeat("x", off) + secret + strings.Repeat("y", 50)
		err := createWithCreds(t, 502, []byte(body), BearerCredentials(secret))
		requireNoWindow(t, "offset "+strconv.Itoa(off), err.Error(), []string{secret})
	}
}

func createWithCreds(t *testing.T, status int, body []byte, creds Credentials) error {
	t.Helper()
	c := newClient(t, script(reply(status, body)), WithMaxRetries(0))
	p := validParams()
	p.Credentials = creds
	_, err := c.Configurations.Create(context.Background(), p)
	require.Error(t, err)
	return err
}

func FuzzHostileResponse(f *testing.F) {
	for kind := range 11 {
		f.Add(uint64(kind), uint8(kind), "ghp_fuzz\"&<>token")
	}
	f.Fuzz(func(t *testing.T, seed uint64, kind uint8, extra string) {
		r := rand.New(rand.NewPCG(seed, uint64(kind)))
		ss := newSecretSet(r)
		// Credentials travel as JSON, which carries valid UTF-8 only: the
		// server can echo only what was sent.
		extra = strings.TrimSpace(strings.ToValidUTF8(extra, "\uFFFD"))
		if len(extra) >= secretWindow && len(extra) < 200 {
			m := ss.creds.Reveal()
			m["extra"] = extra
			ss.creds = NewCredentials(m)
			ss.secrets = append(ss.secrets, extra)
		}
		checkCall(t, ss, hostile(r, ss, int(kind)))
	})
}

// TestOrdinaryCredentialFieldsDoNotBreakErrors: credentials carry fields that
// are not secret (a grant type, an expiry, a database name, a URL); the
// scrubber must not let them mangle what the SDK reads from a response.
func TestOrdinaryCredentialFieldsDoNotBreakErrors(t *testing.T) {
	reset := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	oauth := OAuth2Credentials("ya29.a0AfH6SMBx0123456789", "1//0gRefreshToken0123", reset)
	stored := NewCredentials(map[string]any{"access_token": "gho_16C7e42F292c6912E7710c838347Ae178B4a",
		"token_type": "bearer", "scope": "repo", "expires_in": 3600, "grant_type": "client_credentials"})
	serviceAccount := NewCredentials(map[string]any{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBg",
		"auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token"})
	database := NewCredentials(map[string]any{"database": "main", "password": "s3cr3t-db-pass"})

	t.Run("a number in the credentials equal to retry_after", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt := script(reply(429, body429("3600")))
			p := validParams()
			p.Credentials = stored
			_, err := newClient(t, rt).Configurations.Create(context.Background(), p)
			var rl *RateLimitError
			require.ErrorAs(t, err, &rl)
			assert.Equal(t, time.Hour, rl.RetryAfter)
			assert.Len(t, rt.requests(), 1, "an hour is longer than the max wait: returned at once")
		})
	})
	t.Run("a secret number equal to retry_after", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt := script(reply(429, body429("86400")))
			p := validParams()
			p.Credentials = NewCredentials(map[string]any{"pin": 86400})
			_, err := newClient(t, rt).Configurations.Create(context.Background(), p)
			var rl *RateLimitError
			require.ErrorAs(t, err, &rl)
			assert.Equal(t, 24*time.Hour, rl.RetryAfter, "read from the body as sent")
			assert.Equal(t, "***REDACTED***", rl.Details["retry_after"], "while Details shows it scrubbed")
			assert.Len(t, rt.requests(), 1)
		})
	})
	t.Run("a grant type in the credentials and the invalid_credentials code", func(t *testing.T) {
		_, err := newClient(t, script(reply(400, fixture(t, "error_400_invalid_credentials.json")))).
			Configurations.Update(context.Background(), "pconf_1", UpdateConfigurationParams{Credentials: stored})
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "invalid_credentials", ve.Code)
		assert.Contains(t, err.Error(), "Failed to validate credentials for github")
	})
	t.Run("an expiry equal to the reset time", func(t *testing.T) {
		body := []byte(`{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","details":{"retry_after":3600,"reset_at":"` + reset.Format(time.RFC3339) + `"}}}`)
		p := validParams()
		p.Credentials = oauth
		_, err := newClient(t, script(reply(429, body)), WithMaxRetries(0)).Configurations.Create(context.Background(), p)
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.True(t, reset.Equal(rl.ResetAt), "ResetAt %v", rl.ResetAt)
	})
	t.Run("a short database name and the rate-limit headers", func(t *testing.T) {
		rt := script(reply(200, fixture(t, "create_200.json"), "X-RateLimit-Limit", "50", "X-RateLimit-Remaining", "49"))
		p := validParams()
		p.Credentials = database
		var resp Response
		_, err := newClient(t, rt).Configurations.Create(context.Background(), p, WithResponseInto(&resp))
		require.NoError(t, err)
		assert.Equal(t, RateLimit{Limit: 50, Remaining: 49}, resp.RateLimit)
		assert.Equal(t, "49", resp.Header.Get("X-RateLimit-Remaining"), "header names are not mangled")
	})
	t.Run("URLs in the credentials and the SDK's own URL", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := validParams()
			p.Credentials = serviceAccount
			_, err := newClient(t, script(fail(io.ErrUnexpectedEOF))).Configurations.Create(context.Background(), p)
			assert.Contains(t, err.Error(), `Post "https://api.test.invalid/v1/personal-connectors/configurations"`)
			var ue *url.Error
			assert.ErrorAs(t, err, &ue, "nothing to scrub, so the chain is whole")
		})
	})
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
