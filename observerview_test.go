package freddy

import (
	"context"
	"io"
	"net/http"
	"testing"

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
