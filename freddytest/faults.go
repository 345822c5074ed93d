package freddytest

import (
	"net/http"
	"strconv"
	"time"
)

// FaultKind is a failure the server can inject; see Fault.
type FaultKind int

// The injectable faults. Each is served in place of the normal handling,
// before authentication, to whatever path the request names.
const (
	// FaultServerError answers the documented 500 INTERNAL_SERVER_ERROR
	// envelope.
	FaultServerError FaultKind = iota
	// FaultBadGatewayHTML answers 502 with nginx's text/html error page, as
	// a proxy in front of the API would.
	FaultBadGatewayHTML
	// FaultRateLimit answers the documented 429 RATE_LIMIT_EXCEEDED envelope
	// and headers, asking for Fault.RetryAfter rounded up to whole seconds.
	// Its rate-limit headers say the window is spent until then: a Client
	// that paces itself (the default) holds its later calls until that
	// reset, not only the call that got the 429 (see the package's "Rate
	// limits").
	FaultRateLimit
	// FaultDrop closes the connection without answering.
	FaultDrop
	// FaultDropAfterCommit handles the request in full (authentication,
	// validation, storing, the idempotency record, a delete…), then closes
	// the connection without sending the response: the response lost on the
	// way back. A retry with the same Idempotency-Key gets the replay.
	FaultDropAfterCommit
	// FaultStall answers nothing until the client gives up, the server is
	// closed, or Fault.Stall has passed if it is positive; then it closes
	// the connection.
	FaultStall
	// FaultStallBody sends 200, a Content-Length of 4096 and the first bytes
	// of a success body, then stalls as FaultStall does and closes the
	// connection.
	FaultStallBody
	// FaultTruncate sends 200 and the first bytes of a success body with a
	// Content-Length four times longer, then closes the connection.
	FaultTruncate
	// FaultDelay handles the request normally after Fault.Delay: a slow
	// server rather than a failing one.
	FaultDelay
	// FaultGatewayRateLimit answers 429 as a gateway, WAF or CDN in front
	// of the API would: a text/html page and Retry-After (Fault.RetryAfter
	// rounded up to whole seconds; none when zero), without the rate-limit
	// headers or the error envelope. It says nothing about the API's
	// window.
	FaultGatewayRateLimit
)

// lastFaultKind is the last FaultKind defined.
const lastFaultKind = FaultGatewayRateLimit

// String returns the constant's name, e.g. "FaultDrop".
func (k FaultKind) String() string {
	names := [...]string{"FaultServerError", "FaultBadGatewayHTML", "FaultRateLimit", "FaultDrop",
		"FaultDropAfterCommit", "FaultStall", "FaultStallBody", "FaultTruncate", "FaultDelay", "FaultGatewayRateLimit"}
	if k >= 0 && int(k) < len(names) {
		return names[k]
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Fault is one injected failure. Without Method, Path, Skip or Count it is
// served to the next request, whatever it is; with them it waits for the
// requests it names. See Server.Inject for how requests find faults.
type Fault struct {
	// Kind is the failure.
	Kind FaultKind
	// RetryAfter is what FaultRateLimit asks for, in the Retry-After header
	// and details.retry_after, rounded up to whole seconds; zero sends 0.
	// FaultGatewayRateLimit sends it in Retry-After alone, and no
	// Retry-After when it is zero.
	RetryAfter time.Duration
	// Stall bounds FaultStall and FaultStallBody; zero or negative waits
	// for the client to give up or for Close.
	Stall time.Duration

	// Method limits the fault to requests with this method, e.g. "POST",
	// in any case; empty matches every method. It must be one of
	// net/http's Method constants.
	Method string
	// Path limits the fault to requests on this route, written as the
	// route template under /v1/personal-connectors/configurations: "/",
	// "/{id}", "/{id}/toggle" or "/{id}/test" ({id} matches any ID). The
	// full path ("/v1/personal-connectors/configurations/{id}/test") works
	// too. Empty matches every path, unknown ones included; any other
	// value, a template without its leading slash ("{id}/test") included,
	// is invalid (see Inject).
	Path string
	// Skip is how many matching requests the fault lets through, handled
	// normally, before it fails one.
	Skip int
	// Count is how many matching requests the fault fails after its skips:
	// 0 means 1, a negative Count every matching request until Reset or
	// ClearFaults.
	Count int
	// Delay is added before the fault is served: the failure (or, for
	// FaultDelay, the normal answer) comes Delay after the request. It ends
	// early when the client gives up or the server is closed.
	Delay time.Duration
}

// Inject queues faults after any already queued. A Kind out of range is
// served as FaultServerError. A fault that Fault.Validate refuses (an
// unknown Method or Path, a negative Skip, Delay or RetryAfter; the control
// API refuses the same with 400) makes Inject queue none of faults: on a
// server made by Start or StartTLS it fails the test with tb.Errorf naming
// the fault and the field; on one made by NewServer, which has no test to
// tell, call Validate first.
//
// Each request, in the order the server receives them, walks the queue from
// the front and stops at the first fault whose Method and Path match it. If
// that fault still has skips left, it uses one up and the request is handled
// normally; otherwise the request gets the fault instead of being handled,
// and the fault leaves the queue once it has failed Count requests. A
// request no fault matches is handled normally. Faults with no Method, Path,
// Skip or Count therefore behave as a plain queue: each of the next
// requests, whatever it is, takes the next fault.
//
// Faults count requests as the server receives them, not calls or
// attempts: net/http resends a GET (Get, List) by itself, once, when a
// reused keep-alive connection dies before the response, so a FaultDrop
// that meets a GET on a reused connection is usually followed by a second
// delivery of the same attempt. With Inject(Repeat(Fault{Kind: FaultDrop}, 3)...)
// before a Get on a warm connection, the server sees four requests: the
// first attempt twice (two faults), the second attempt (the third fault),
// and the third attempt, which succeeds. To fail every attempt, target the
// fault and give it room:
// Fault{Kind: FaultDrop, Method: "GET", Path: "/{id}", Count: -1}. Requests
// shows each delivery.
func (s *Server) Inject(faults ...Fault) {
	if s.tb != nil {
		s.tb.Helper()
	}
	if s.reportInvalid(faults) != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		s.faults = append(s.faults, &queuedFault{Fault: f, skip: f.Skip})
	}
}

// ClearFaults removes every queued fault, served or not. Requests being
// served keep the fault they already took.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Repeat returns n copies of f, for Inject(Repeat(f, 3)...). n <= 0 returns
// none.
func Repeat(f Fault, n int) []Fault {
	out := make([]Fault, max(n, 0))
	for i := range out {
		out[i] = f
	}
	return out
}

// partialBody is the start of a success body, cut where a decoder is midway
// through the object.
const partialBody = `{"success":true,"data":{"id":"pconf_0000000000000000","object":"personal_connector.configuration",`

const tooManyRequestsPage = "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n" +
	"<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

const badGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
	"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

func (s *Server) serveFault(w http.ResponseWriter, x *exchange, f Fault) {
	if f.Delay > 0 {
		s.stall(x.r, f.Delay)
		if x.r.Context().Err() != nil {
			drop(w)
			return
		}
	}
	if f.Kind == FaultDelay {
		s.handle(x).write(w, x)
		return
	}
	if f.Kind != FaultDropAfterCommit {
		// Faults come before authentication: report the presented key's
		// window without counting the request.
		key, ok := s.authenticate(x.r)
		if !ok {
			key = ""
		}
		x.rate = s.peekRate(key, x.now)
	}
	switch f.Kind {
	case FaultBadGatewayHTML:
		rep := &reply{status: http.StatusBadGateway, header: http.Header{"Content-Type": {"text/html"}}, body: []byte(badGatewayPage)}
		rep.write(w, x)
	case FaultGatewayRateLimit:
		x.rate = nil // a gateway knows nothing of the API's window
		rep := &reply{status: http.StatusTooManyRequests, header: http.Header{"Content-Type": {"text/html"}}, body: []byte(tooManyRequestsPage)}
		if f.RetryAfter > 0 {
			rep.header.Set("Retry-After", strconv.Itoa(int(ceilSeconds(f.RetryAfter)/time.Second)))
		}
		rep.write(w, x)
	case FaultRateLimit:
		// The same limit the rate-limit headers of every response report.
		limit := s.cfg.rateLimit
		st := &rateState{limit: limit, used: limit + 1, now: x.now, reset: x.now.Add(ceilSeconds(f.RetryAfter))}
		x.rate = st
		st.tooMany(x).write(w, x)
	case FaultDrop:
		drop(w)
	case FaultDropAfterCommit:
		_ = s.handle(x)
		drop(w)
	case FaultStall:
		s.stall(x.r, f.Stall)
		drop(w)
	case FaultStallBody:
		s.partial(w, x, 4096)
		s.stall(x.r, f.Stall)
		drop(w)
	case FaultTruncate:
		s.partial(w, x, 4*len(partialBody))
		drop(w)
	default:
		x.envelope(http.StatusInternalServerError, errServer, nil).write(w, x)
	}
}

// partial sends the status line, headers declaring length bytes and the
// start of a success body, and flushes them to the client.
func (s *Server) partial(w http.ResponseWriter, x *exchange, length int) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(length))
	x.stamp(h)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(partialBody))
	_ = http.NewResponseController(w).Flush()
}

// stall waits for the client to give up, for Close, or for d if positive.
func (s *Server) stall(r *http.Request, d time.Duration) {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-r.Context().Done():
	case <-s.done:
	case <-timeout:
	}
}

// drop closes the connection without a response, or without the rest of
// one. Under HTTP/2, where connections cannot be hijacked, it aborts the
// stream instead, which net/http does by recovering this panic.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
