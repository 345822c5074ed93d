package freddy

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"

	"github.com/aitronos/freddy-go/internal/httpx"
	"github.com/aitronos/freddy-go/internal/redact"
)

// redactedValue stands in for the API key in the request an Observer sees.
const redactedValue = "[REDACTED]"

// observeAttempt runs one attempt through the Observer, which is given views
// that hold no secret, while the SDK sends and reads the real thing:
//   - the request: X-Api-Key redacted, every other header name and value
//     and the URL scrubbed by scrub (a cookie a server set, a header the
//     caller set, a redirect hop's Location and Referer may each hold the
//     key or a credential), no body (http.NoBody; ContentLength as sent).
//     The request it passes to next is sent with r's real key, body, URL
//     and every header the Observer left as shown, and whatever else the
//     Observer added or changed (a traceparent);
//   - the response next returns: its status line, header, trailer and body
//     scrubbed by scrub (every Window-byte run of the key or a credential
//     value, in every encoding the redactor knows), its Request the
//     Observer's own. When the Observer returns that view, the SDK reads the
//     real response; a response of its own making is judged as it is;
//   - an error next returns, scrubbed; returned as given, the SDK sees the
//     real one.
//
// The body is read for the view under the SDK's limit (bodyLimit): a body
// that cannot be read fails the attempt, as reading it would.
func observeAttempt(obs CallObserver, scrub *redact.Scrubber, r *http.Request, send MiddlewareNext) (*http.Response, error) {
	view := r.WithContext(r.Context())
	view.URL = scrubbedURL(scrub, r.URL)
	shownURL := view.URL.String()
	var hidden []hiddenHeader
	view.Header, hidden = shownHeader(scrub, r.Header)
	view.Body, view.GetBody = http.NoBody, nil
	// A redirect hop's request carries the redirect response, whose header
	// the server wrote: not the Observer's to see. The request sent keeps
	// it, by which the per-attempt deadline tells a hop from a new attempt.
	view.Response = nil
	var res viewResults
	resp, err := obs.Attempt(view, func(v *http.Request) (*http.Response, error) {
		out := v.WithContext(v.Context())
		out.Header = v.Header.Clone()
		for _, h := range hidden {
			h.restore(out.Header, v.Header)
		}
		if v.URL != nil && v.URL.String() == shownURL {
			out.URL = r.URL
		}
		out.Body, out.GetBody = r.Body, r.GetBody
		out.Response = r.Response
		got, realErr := send(out)
		var shown *http.Response
		if realErr == nil {
			got, shown, realErr = responseView(got, v, scrub)
		}
		if realErr != nil {
			shownErr := scrub.Error(realErr)
			res.record(viewPair{realErr: realErr, shownErr: shownErr})
			return nil, shownErr
		}
		res.record(viewPair{got: got, shown: shown})
		return shown, nil
	})
	got := res.end()
	switch {
	case resp != nil && resp == got.shown:
		return got.got, err
	case resp == nil && err != nil && err == got.shownErr:
		return nil, got.realErr
	}
	return resp, err
}

// hiddenHeader is a request header the Observer was shown other than it is
// sent: its real name and values, and the name and values it was shown.
type hiddenHeader struct {
	name, shownName string
	real, shown     []string
}

// shownHeader is h as the Observer sees it: X-Api-Key redacted, every
// other name and value scrubbed; and the headers that differ from h.
func shownHeader(scrub *redact.Scrubber, h http.Header) (http.Header, []hiddenHeader) {
	out := make(http.Header, len(h))
	var hidden []hiddenHeader
	for k, vs := range h {
		name := scrub.String(k)
		shown := make([]string, len(vs))
		changed := name != k
		for i, v := range vs {
			shown[i] = scrub.String(v)
			changed = changed || shown[i] != v
		}
		if k == "X-Api-Key" {
			shown, changed = []string{redactedValue}, true
		}
		out[name] = shown
		if changed {
			hidden = append(hidden, hiddenHeader{name: k, shownName: name, real: vs, shown: slices.Clone(shown)})
		}
	}
	return out, hidden
}

// restore puts the real header back in out (a copy of sent, the header the
// Observer passed on) unless the Observer changed or removed what it was
// shown; X-Api-Key always goes out as the call's.
func (h hiddenHeader) restore(out, sent http.Header) {
	if h.name != "X-Api-Key" && !slices.Equal(sent[h.shownName], h.shown) {
		return
	}
	delete(out, h.shownName)
	out[h.name] = h.real
}

// viewPair is what an Observer's next gave it and the real thing it stands
// for.
type viewPair struct {
	got, shown        *http.Response
	realErr, shownErr error
}

// viewResults is what the Observer's next last returned. next may run on a
// goroutine the Observer left behind after its Attempt returned: it records
// under mu, and nothing once the attempt has ended.
type viewResults struct {
	mu    sync.Mutex
	ended bool
	last  viewPair
}

// record keeps next's results unless the attempt has ended.
func (v *viewResults) record(p viewPair) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.ended {
		v.last = p
	}
}

// end ends the attempt and returns what next recorded before.
func (v *viewResults) end() viewPair {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.ended = true
	return v.last
}

// responseView reads resp's body under the SDK's limit and returns resp
// with that body to read again, and a scrubbed copy for the Observer whose
// Request is req.
func responseView(resp *http.Response, req *http.Request, scrub *redact.Scrubber) (real, view *http.Response, err error) {
	body, err := httpx.ReadBody(resp.Body, nil, resp.ContentLength, bodyLimit(resp.StatusCode))
	if err != nil {
		return nil, nil, err
	}
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	shown := scrub.Bytes(body)
	v := *resp
	v.Status = scrub.String(resp.Status)
	v.Header = scrub.Header(resp.Header)
	if resp.Trailer != nil {
		v.Trailer = scrub.Header(resp.Trailer)
	}
	v.Body, v.ContentLength, v.Request = io.NopCloser(bytes.NewReader(shown)), int64(len(shown)), req
	return resp, &v, nil
}

// observed returns the layers of an observed call: the SDK's client, its
// transport wrapped so that the Observer's Attempt runs around each request
// the client sends, the attempt's own and each redirect hop net/http
// follows within it. Tracing wants one span per physical request, each
// with its own trace context, and a hop is only visible under the client.
// The copy is the attempt's (the SDK's client is shared) and reaches the
// call's wire only, like everything an attempt uses.
func (l layers) observed(w *wire, g *gate) layers {
	hc := *l.send
	hc.Transport = observedTransport{w: w, g: g, next: hc.Transport}
	return layers{send: &hc}
}

// observedTransport runs the Observer around one physical request.
type observedTransport struct {
	w *wire
	// g is the attempt's gate (sent.go), passed by its first request.
	g    *gate
	next http.RoundTripper
}

// RoundTrip runs the Observer's Attempt around r on its redacted view. The
// attempt's first request is handed on through the wire only when the
// Observer calls next (the sent rule, sent.go); a redirect hop's, sent
// within an attempt already handed on, goes straight to the transport.
func (t observedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Response == nil {
		return observeAttempt(t.w.obs, t.w.scrub, r, func(out *http.Request) (*http.Response, error) {
			return t.w.send(t.g, out, t.next.RoundTrip)
		})
	}
	return observeAttempt(t.w.obs, t.w.scrub, r, t.next.RoundTrip)
}

// scrubbedURL is u with every secret scrub knows replaced; scheme and host
// alone if the scrubbed text is no URL.
func scrubbedURL(scrub *redact.Scrubber, u *url.URL) *url.URL {
	text := u.String()
	shown := scrub.String(text)
	if shown == text {
		return u
	}
	if v, err := url.Parse(shown); err == nil {
		return v
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}
}
