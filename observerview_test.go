package freddy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

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
