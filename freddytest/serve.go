package freddytest

import (
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxRequestBody is the most the server reads of a request body.
const maxRequestBody = 1 << 20

// Request is what the server received in one request, faulted or not.
type Request struct {
	// Method is the HTTP method, e.g. "POST".
	Method string
	// Path is the URL path without the query, e.g.
	// "/v1/personal-connectors/configurations/pconf_0123456789abcdef".
	Path string
	// Header is a copy of the request header, keys in canonical form.
	Header http.Header
	// Body is a copy of what the server read, cut to its first 1 MiB
	// (a longer body is refused whole with 400), empty when there was no
	// body.
	Body []byte
	// Proto is the protocol the request came in, "HTTP/1.1" or "HTTP/2.0".
	Proto string
	// Seq numbers the requests the server has received since NewServer or
	// the last Reset, from 1, logged or not: Requests()[0].Seq-1 requests
	// have been dropped from the log (see WithRequestLog).
	Seq int64
	// partial says Body is not the whole body the client sent (over 1
	// MiB, or its read failed): the control API lists no part of it
	// (redactRequest).
	partial bool
}

// exchange is one request being served.
type exchange struct {
	r       *http.Request
	body    []byte
	bodyErr string // why the body cannot be used, "" when it can
	trace   string
	key     string    // the accepted API key, once authenticated
	start   time.Time // wall clock, for Freddy-Processing-Ms
	now     time.Time // the server's clock, for everything the API dates
	rate    *rateState
}

// stamp sets the headers every response carries.
func (x *exchange) stamp(h http.Header) {
	h.Set("X-Request-Id", x.trace)
	h.Set("Freddy-Api-Version", APIVersion)
	h.Set("Freddy-Processing-Ms", strconv.FormatInt(time.Since(x.start).Milliseconds(), 10))
	x.rate.apply(h)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		drop(w)
		return
	}
	defer s.leave()
	x := &exchange{r: r, trace: newID("req_"), start: time.Now(), now: s.cfg.now().UTC()}
	x.body, x.bodyErr = readBody(r.Body)

	if s.isControl(r) {
		s.serveControl(w, x)
		return
	}

	s.mu.Lock()
	s.log.add(r, x.body, x.bodyErr != "")
	close(s.changed)
	s.changed = make(chan struct{})
	fault, faulted := s.nextFault(r.Method, r.URL.Path)
	s.mu.Unlock()

	if faulted {
		s.serveFault(w, x, fault)
		return
	}
	s.handle(x).write(w, x)
}

// readBody reads at most maxRequestBody bytes. A longer body is refused
// rather than cut, so the server never acts on half a request.
func readBody(body io.Reader) ([]byte, string) {
	b, err := io.ReadAll(io.LimitReader(body, maxRequestBody+1))
	switch {
	case err != nil:
		return b, "could not be read: " + err.Error()
	case len(b) > maxRequestBody:
		return b, "must not exceed " + strconv.Itoa(maxRequestBody) + " bytes"
	}
	return b, ""
}

// handle answers a request that no fault intercepts: authentication, the
// rate limit, routing, then the endpoint.
func (s *Server) handle(x *exchange) *reply {
	key, ok := s.authenticate(x.r)
	if !ok {
		x.rate = s.peekRate("", x.now)
		return x.envelope(http.StatusUnauthorized, errUnauthorized, nil)
	}
	x.rate = s.countRate(key, x.now)
	if x.rate.over() {
		return x.rate.tooMany(x)
	}
	x.key = key
	return s.route(x)
}

// authenticate accepts X-API-Key or "Authorization: Bearer <key>", the
// scheme in any case (bearerToken); a non-empty X-API-Key is the one
// judged.
func (s *Server) authenticate(r *http.Request) (string, bool) {
	key := r.Header.Get("X-API-Key")
	if key == "" {
		key, _ = bearerToken(r.Header.Get("Authorization"))
	}
	return key, key != "" && s.keys[key]
}
