package freddy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// peekingObserver records the request its Attempt is given, whole, and adds
// a header the way a tracer injects one.
type peekingObserver struct {
	recordingObserver
	seen []string
}

func (o *peekingObserver) ObserveCall(ctx context.Context, info CallInfo) (context.Context, CallObserver) {
	return ctx, o
}

func (o *peekingObserver) Attempt(r *http.Request, next MiddlewareNext) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	o.seen = append(o.seen, r.URL.String(), string(b))
	for k, v := range r.Header {
		o.seen = append(o.seen, k)
		o.seen = append(o.seen, v...)
	}
	r.Header.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	return next(r)
}

// The Observer's request holds neither the API key nor the Create body's
// credential; the request sent holds both, and the Observer's header.
func TestObserverRequestHoldsNoSecret(t *testing.T) {
	rt := script(reply(200, fixture(t, "create_200.json")))
	obs := &peekingObserver{}
	_, err := newClient(t, rt, WithObserver(obs)).Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	require.NotEmpty(t, obs.seen)
	for _, s := range obs.seen {
		requireNoSecret(t, s)
	}
	assert.Contains(t, obs.seen, "[REDACTED]")
	reqs := rt.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, testAPIKey, reqs[0].header.Get("X-Api-Key"))
	assert.Contains(t, reqs[0].body, testCredential)
	assert.NotEmpty(t, reqs[0].header.Get("Traceparent"))
}

// viewRecorder is an Observer that records, as text, everything it is
// given: the request and the response or error next returns, headers,
// trailer and body included.
type viewRecorder struct {
	recordingObserver
	seen strings.Builder
}

func (o *viewRecorder) ObserveCall(ctx context.Context, info CallInfo) (context.Context, CallObserver) {
	return ctx, o
}

func (o *viewRecorder) Attempt(r *http.Request, next MiddlewareNext) (*http.Response, error) {
	fmt.Fprintf(&o.seen, "%v %v\n", r.URL, r.Header)
	resp, err := next(r)
	if err != nil {
		fmt.Fprintf(&o.seen, "%v %+v %#v\n", err, err, err)
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	fmt.Fprintf(&o.seen, "%s %d %v %v %v %s\n", resp.Status, resp.ContentLength, resp.Header, resp.Trailer, resp.Request.Header, b)
	// What the Observer returns is what it was given, its body read.
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// No 8-byte window of the key or a credential value, raw or in any encoding
// a hostile server echoes it in, reaches the Observer: not in the response's
// status, header or body, nor in an error next returns.
func TestObserverResponseHoldsNoSecretWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 2))
	for round := range 300 {
		ss := newSecretSet(r)
		obs := &viewRecorder{}
		c, err := NewClient(WithAPIKey(ss.apiKey), WithBaseURL(testBaseURL), WithHTTPClient(&http.Client{Transport: script(hostile(r, ss, round))}),
			WithMaxRetries(1), WithRetryWait(time.Microsecond, time.Microsecond), WithMaxRetryWait(time.Millisecond), WithObserver(obs))
		require.NoError(t, err)
		p := validParams()
		p.Credentials = ss.creds
		_, _ = c.Configurations.Create(context.Background(), p)
		_, _ = c.Configurations.Update(context.Background(), "pconf_1", UpdateConfigurationParams{Credentials: ss.creds})
		requireNoWindow(t, "what the Observer was given", obs.seen.String(), ss.secrets)
	}
}

// The SDK reads the real response while the Observer reads the scrubbed
// view: a 400 that echoes the key in a header and the key and a credential
// in its body, and a 200 whose configuration is named like the key.
func TestObserverResponseViewIsScrubbedTheSDKReadsTheReal(t *testing.T) {
	body400 := `{"success":false,"error":{"code":"INVALID_CREDENTIALS","message":"key ` + testAPIKey + ` with token ` + testCredential +
		` refused","type":"validation_error","details":{"fields":{"credentials":["token ` + testCredential + ` is expired"]}}}}`
	ok := `{"id":"pconf_1","name":"` + testAPIKey + `"}`
	rt := script(reply(400, []byte(body400), "X-Echo-Key", testAPIKey), reply(200, []byte(ok), "X-Echo-Key", testAPIKey))
	obs := &viewRecorder{}
	c := newClient(t, rt, WithObserver(obs), WithMaxRetries(0))
	_, err := c.Configurations.Create(context.Background(), validParams())
	var ve *ValidationError
	require.ErrorAs(t, err, &ve, "the SDK decoded the real body")
	assert.Equal(t, "INVALID_CREDENTIALS", ve.Code)
	assert.Equal(t, []string{"credentials"}, fieldNames(ve.Fields()))
	got, err := c.Configurations.Get(context.Background(), "pconf_1")
	require.NoError(t, err)
	assert.Equal(t, testAPIKey, got.Name, "the SDK read the body as sent")

	seen := obs.seen.String()
	for _, s := range []string{testAPIKey, testCredential} {
		assertNoWindow(t, s, seen)
	}
	assert.Contains(t, seen, "INVALID_CREDENTIALS", "the view keeps what is not secret")
	assert.Contains(t, seen, `"id":"pconf_1"`)
}

func fieldNames(fs []FieldError) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Field)
	}
	return out
}

// decodingObserver decodes the error body its response view holds, as an
// Observer that records a 4xx's message does, and records the errors next
// returns.
type decodingObserver struct {
	recordingObserver
	messages, errs []string
	// locations are the Location headers of the responses it was shown:
	// a redirect's, which the Observer sees per hop (observedTransport).
	locations []string
}

func (o *decodingObserver) ObserveCall(ctx context.Context, info CallInfo) (context.Context, CallObserver) {
	return ctx, o
}

func (o *decodingObserver) Attempt(r *http.Request, next MiddlewareNext) (*http.Response, error) {
	resp, err := next(r)
	if err != nil {
		o.errs = append(o.errs, err.Error())
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var v struct {
		Error struct{ Message string } `json:"error"`
	}
	_ = json.Unmarshal(b, &v)
	o.messages = append(o.messages, v.Error.Message)
	if loc := resp.Header.Get("Location"); loc != "" {
		o.locations = append(o.locations, loc)
	}
	return resp, nil
}

// requireNoFoldedWindow fails when s holds a Window-byte run of secret in
// any letter case, Unicode's included.
func requireNoFoldedWindow(t *testing.T, what, secret, s string) {
	t.Helper()
	fold := func(s string) string {
		return strings.Map(func(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }, s)
	}
	low, sec := fold(s), fold(secret)
	for i := 0; i+8 <= len(sec); i++ {
		require.NotContains(t, low, sec[i:i+8], "%s: window %d of %q", what, i, secret)
	}
}

// A server that \u-escapes every character of the key and a credential,
// ASCII ones too, in either hex case: what the Observer decodes from its
// view, and the caller's error, hold no window of either.
func TestObserverViewDecodesToNoSecret(t *testing.T) {
	esc := func(s, format string) string {
		var b strings.Builder
		for _, r := range s {
			fmt.Fprintf(&b, format, r)
		}
		return b.String()
	}
	for _, format := range []string{`\u%04x`, `\u%04X`} {
		body := `{"error":{"message":"invalid key ` + esc(testAPIKey, format) + ` token ` + esc(testCredential, format) +
			`","code":"unauthorized","type":"auth"}}`
		obs := &decodingObserver{}
		c := newClient(t, script(reply(401, []byte(body))), WithObserver(obs), WithMaxRetries(0))
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.Error(t, err)
		require.Len(t, obs.messages, 1)
		assert.Contains(t, obs.messages[0], "invalid key", "the view keeps what is not secret")
		for _, s := range []string{testAPIKey, testCredential} {
			requireNoFoldedWindow(t, "the Observer's decoded view", s, obs.messages[0])
			requireNoFoldedWindow(t, "the caller's error", s, err.Error())
		}
	}
}

// A credential with non-ASCII letters echoed upper-cased, lower-cased or
// mixed leaves no window of any of those forms in the caller's error or the
// Observer's view.
func TestNonASCIICredentialInAnyCase(t *testing.T) {
	const cred = "pässwörter-geheim-ÄÖÜ-straße"
	mixed := []rune(cred)
	for i := range mixed {
		if i%2 == 0 {
			mixed[i] = unicode.ToUpper(mixed[i])
		}
	}
	for _, echo := range []string{strings.ToUpper(cred), strings.ToLower(cred), strings.ToTitle(cred), string(mixed)} {
		body := `{"error":{"message":"bad ` + echo + `","code":"validation_error","type":"validation_error"}}`
		obs := &viewRecorder{}
		c := newClient(t, script(reply(400, []byte(body), "X-Echo", echo)), WithObserver(obs), WithMaxRetries(0))
		p := validParams()
		p.Credentials = APIKeyCredentials(cred)
		_, err := c.Configurations.Create(context.Background(), p)
		require.Error(t, err)
		for _, form := range []string{echo, cred} {
			requireNoFoldedWindow(t, "the caller's error", form, err.Error())
			requireNoFoldedWindow(t, "the Observer's view", form, obs.seen.String())
		}
	}
}
