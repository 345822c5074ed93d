package freddy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hopObserver records the view of each request its Attempt is given and
// injects a header of its own into each, as a tracer injects one
// traceparent per span.
type hopObserver struct {
	recordingObserver
	views []*http.Request
	mark  []string
}

func (o *hopObserver) ObserveCall(ctx context.Context, info CallInfo) (context.Context, CallObserver) {
	return ctx, o
}

func (o *hopObserver) Attempt(r *http.Request, next MiddlewareNext) (*http.Response, error) {
	o.views = append(o.views, r)
	b, _ := io.ReadAll(r.Body)
	o.mark = append(o.mark, string(b))
	r.Header.Set("Traceparent", fmt.Sprintf("request-%d", len(o.views)))
	info, _ := AttemptFromContext(r.Context())
	o.attempts = append(o.attempts, info)
	return next(r)
}

// A 307 followed within an attempt is two requests the Observer sees, each
// with a header of its own, the second on the redirect's URL, both views
// without the key, the body or the redirect response; the requests sent
// carry the real key and the body, and the call is still one attempt.
func TestObserverSeesEachRedirectHop(t *testing.T) {
	// A hostile server's Location echoes the key and the credential.
	location := configurationsPath + "/echo-" + testCredential + "?moved=1&k=" + url.QueryEscape(testAPIKey)
	rt := script(reply(307, nil, "Location", location), reply(200, fixture(t, "create_200.json")))
	obs := &hopObserver{}
	_, err := newClient(t, rt, WithObserver(obs)).Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("idem-hop"))
	require.NoError(t, err)

	require.Len(t, obs.views, 2)
	assert.Equal(t, "", obs.views[0].URL.RawQuery)
	assert.Equal(t, "moved=1&k=***REDACTED***", obs.views[1].URL.RawQuery, "the hop's own URL, scrubbed")
	assert.Equal(t, configurationsPath+"/echo-***REDACTED***", obs.views[1].URL.Path)
	for i, v := range obs.views {
		assert.Nil(t, v.Response, "view %d: the redirect response is not the Observer's", i)
		assert.Equal(t, []string{"[REDACTED]"}, v.Header["X-Api-Key"], "view %d", i)
		assert.Empty(t, obs.mark[i], "view %d has no body", i)
	}
	assert.Equal(t, []AttemptInfo{{Operation: "Create", IdempotencyKey: "idem-hop"}, {Operation: "Create", IdempotencyKey: "idem-hop"}}, obs.attempts,
		"both requests belong to the first attempt")
	require.Len(t, obs.results, 1)
	assert.Equal(t, 1, obs.results[0].Attempts, "a redirect is not an attempt")

	reqs := rt.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, location, reqs[1].path+"?"+reqs[1].query, "the hop went to the real Location")
	for _, secret := range []string{testAPIKey, testCredential} {
		assertNoWindow(t, secret, obs.views[1].URL.String())
	}
	for i, r := range reqs {
		assert.Equal(t, fmt.Sprintf("request-%d", i+1), r.header.Get("Traceparent"), "request %d carries its own header", i)
		assert.Equal(t, testAPIKey, r.header.Get("X-Api-Key"))
		assert.Contains(t, r.body, testCredential, "request %d is sent with its body", i)
	}
}

// refusingObserver fails every request without calling next.
type refusingObserver struct{ recordingObserver }

func (o *refusingObserver) ObserveCall(ctx context.Context, info CallInfo) (context.Context, CallObserver) {
	return ctx, o
}

func (o *refusingObserver) Attempt(*http.Request, MiddlewareNext) (*http.Response, error) {
	return nil, errors.New("refused by the observer")
}

// The Observer runs inside the SDK's client, but the attempt is handed on
// only when it calls next: one that does not sent nothing (the sent rule).
func TestObserverWithoutNextSentNothing(t *testing.T) {
	var hits atomic.Int32
	s := notFoundServer(t, &hits)
	obs := &refusingObserver{}
	c := sentTestClient(t, s.URL, WithMaxRetries(0), WithObserver(obs))
	_, err := c.Configurations.Create(context.Background(), validParams())
	require.ErrorContains(t, err, "refused by the observer")
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Zero(t, hits.Load())
	require.Len(t, obs.results, 1)
	assert.Zero(t, obs.results[0].Attempts, "nothing was sent")
}
