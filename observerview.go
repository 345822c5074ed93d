package freddy

import (
	"net/http"
	"net/url"

	"github.com/aitronos/freddy-go/internal/redact"
)

// redactedValue stands in for the API key in the request an Observer sees.
const redactedValue = "[REDACTED]"

// observeAttempt runs one attempt through the Observer, which is given a
// view of r that holds no secret: X-Api-Key redacted, no body (http.NoBody;
// ContentLength as sent). The request it passes to next is sent with r's
// real key and body, and whatever else the Observer added (a traceparent).
func observeAttempt(obs CallObserver, r *http.Request, send MiddlewareNext) (*http.Response, error) {
	view := r.WithContext(r.Context())
	view.Header = r.Header.Clone()
	if _, ok := view.Header["X-Api-Key"]; ok {
		view.Header["X-Api-Key"] = []string{redactedValue}
	}
	view.Body, view.GetBody = http.NoBody, nil
	// A redirect hop's request carries the redirect response, whose header
	// the server wrote: not the Observer's to see. The request sent keeps
	// it, by which the per-attempt deadline tells a hop from a new attempt.
	view.Response = nil
	return obs.Attempt(view, func(v *http.Request) (*http.Response, error) {
		out := v.WithContext(v.Context())
		out.Header = v.Header.Clone()
		if key, ok := r.Header["X-Api-Key"]; ok {
			out.Header["X-Api-Key"] = key
		}
		out.Body, out.GetBody = r.Body, r.GetBody
		out.Response = r.Response
		return send(out)
	})
}

// observed returns the layers of an observed call: the SDK's client, its
// transport wrapped so that the Observer's Attempt runs around each request
// the client sends, the attempt's own and each redirect hop net/http
// follows within it. Tracing wants one span per physical request, each
// with its own trace context, and a hop is only visible under the client.
// The copy is the attempt's: the SDK's client is shared. It copies the
// call's secrets, which scrub a hop's URL, so that nothing of the call is
// reached through it once the attempt is over.
func (l layers) observed(cl *call) layers {
	hc := *l.send
	hc.Transport = &observedTransport{obs: cl.obs, next: hc.Transport,
		key: cl.core.apiKeyOf(&cl.op.opts.overrides)[0], creds: cl.op.creds}
	return layers{send: &hc}
}

// observedTransport runs the Observer around one physical request.
type observedTransport struct {
	obs  CallObserver
	next http.RoundTripper
	// key and creds build scrub, on the first hop only.
	key   string
	creds Credentials
	scrub *redact.Scrubber
}

// RoundTrip runs the Observer's Attempt around r on its redacted view. A
// redirect hop's URL is the server's Location, which may echo the key or a
// credential: the Observer sees it scrubbed, and the request goes to the
// real one.
func (t *observedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Response == nil {
		return observeAttempt(t.obs, r, t.next.RoundTrip)
	}
	shown := r.WithContext(r.Context())
	shown.URL = t.scrubbedURL(r.URL)
	return observeAttempt(t.obs, shown, func(out *http.Request) (*http.Response, error) {
		out.URL = r.URL
		return t.next.RoundTrip(out)
	})
}

// scrubbedURL is u with every secret of the call replaced; scheme and host
// alone if the scrubbed text is no URL.
func (t *observedTransport) scrubbedURL(u *url.URL) *url.URL {
	if t.scrub == nil {
		t.scrub = redact.New(t.key, t.creds.tree())
	}
	if v, err := url.Parse(t.scrub.String(u.String())); err == nil {
		return v
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}
}
