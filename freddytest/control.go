package freddytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	freddy "github.com/aitronos/freddy-go"
)

// ControlPrefix is the path under which WithControlAPI serves the control
// API. The Freddy API does not use it.
const ControlPrefix = "/_freddytest/"

// WithControlAPI makes the server answer the control API under
// ControlPrefix, for tests that cannot call Server's methods (tests in
// other languages, through freddy-emulator). Each endpoint and its 200
// answer:
//
//	POST   /_freddytest/faults                      queue faults, a JSON array (see below)   {"queued": n}
//	DELETE /_freddytest/faults                      ClearFaults                               {"cleared": true}
//	GET    /_freddytest/requests                    the request log, secrets redacted         {"dropped": n, "requests": [request, …]}
//	GET    /_freddytest/configurations              the stored configurations                 {"data": [configuration, …]}
//	POST   /_freddytest/reset                       Reset                                     {"reset": true}
//	PUT    /_freddytest/configurations/{id}/health  SetHealth, {"status": "unhealthy", "message": "…"}   {"id": id, "status": status}
//
// Any other answer is {"error": "…"}: 400 for a bad body (naming the field,
// e.g. "faults[0].path: …"), 403 for a peer the API does not answer, 404
// for an unknown endpoint or, on health, an unknown configuration ID. A
// body is one JSON value (an array of faults, a health object) with no
// member the endpoint does not know and nothing after it; anything else is
// a 400 and changes nothing.
//
// A fault is {"kind": "drop", "method": "POST", "path": "/{id}/test",
// "skip": 0, "count": 1, "delay": "250ms", "retryAfter": "60s", "stall":
// "1s"}: the fields of Fault, durations as Go writes them; kind is a
// FaultKind's name with or without its "Fault" prefix, in any case
// ("FaultDrop", "Drop", "serverError"). Every field but kind may be left
// out. The same rules and the same validation as Inject apply (see
// Fault.Validate). A bad fault, or data after the array, refuses the whole
// array with 400 naming the field, and queues none.
//
// A listed configuration is the Get page's object, every string in it (at
// any depth: name, description, personalConnectorId, configuration,
// metadata, …) scrubbed of every credential the server stores or has
// stored and of its API keys (a description may quote one); text that holds
// none, such as the ID and the timestamps, stays as it was.
//
// A listed request is {"seq": 1, "method": "POST", "path":
// "/v1/personal-connectors/configurations", "proto": "HTTP/1.1", "header":
// {"Content-Type": ["application/json"], …}, "body": "…"}: the fields of
// Request, oldest first, header names canonical, and body the text the
// server read (at most 1 MiB) as a JSON string, "" for none. "dropped"
// counts older requests the log no longer holds (WithRequestLog). A listed
// configuration is what Get answers: bare, camelCase, credentials
// "***REDACTED***". The API itself answers in the reference pages' shapes,
// which differ: Create in an envelope with organization_id, created_at and
// updated_at in snake_case; Get, List, Update and the toggle bare and
// camelCase; Test a bare health report (see the package documentation).
//
// Listed requests show the key headers (Authorization, and every header
// whose name is X-Api-Key in any case with "_" or "-", such as X-API_KEY)
// and a JSON body's credentials member as "***REDACTED***", and every other
// header and the rest of the body scrubbed by the SDK's own redaction of
// the server's API keys, every presented key (each value of each key
// header; an Authorization value's credentials after its scheme, whatever
// the scheme and its case), the request's credential values and every
// credential the server stores or has stored (a later request may echo
// one; the last 4096 sets deleted, replaced by an update or forgotten by
// Reset are remembered): no 8 bytes in a row of any of them remain, in any
// encoding the SDK knows. Only
// a body that is one complete, valid JSON document is listed: any other (a
// syntax error such as a trailing comma, wherever it falls; data after the
// value; a body over 1 MiB, whose logged copy is cut) is listed as
// "***REDACTED*** (not valid JSON or over 1 MiB; withheld)", because
// without a valid document nothing proves which of its values are
// credentials, and a value before the error may echo one that comes after
// it. Every string value of such a body that is 8 bytes or longer, other
// than the API's own names, is then also scrubbed from the listed header
// values and path, as a credential would be; member names and shorter
// values are not, and header names are scrubbed of the keys only, so the
// path and header names stay as sent. A credential shorter than 8 bytes, or
// past the 1 MiB cut (the server never read it), is not scrubbed from the
// header.
//
// Control requests need no API key, are neither logged nor faulted, and
// answer only peers on a loopback address unless WithRemoteControlAPI is
// given too. Without WithControlAPI the prefix is an unknown path like any
// other.
func WithControlAPI() Option {
	return func(c *config) { c.control = true }
}

// WithRemoteControlAPI lets the control API answer peers that are not on a
// loopback address, e.g. other containers of a docker-compose network. It
// implies WithControlAPI. Anyone who can reach the server can then change
// what it answers: use it only on a test network.
func WithRemoteControlAPI() Option {
	return func(c *config) { c.control, c.controlRemote = true, true }
}

func (s *Server) isControl(r *http.Request) bool {
	return s.cfg.control && (strings.HasPrefix(r.URL.Path, ControlPrefix) || r.URL.Path == strings.TrimSuffix(ControlPrefix, "/"))
}

// serveControl answers one control API request.
func (s *Server) serveControl(w http.ResponseWriter, x *exchange) {
	r := x.r
	if !s.cfg.controlRemote && !loopbackPeer(r.RemoteAddr) {
		controlError(w, http.StatusForbidden, "the control API answers loopback peers only (WithRemoteControlAPI, freddy-emulator -allow-remote-control)")
		return
	}
	if x.bodyErr != "" {
		controlError(w, http.StatusBadRequest, "body "+x.bodyErr)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, ControlPrefix)
	switch {
	case rest == "faults" && r.Method == http.MethodPost:
		s.controlInject(w, x.body)
	case rest == "faults" && r.Method == http.MethodDelete:
		s.ClearFaults()
		controlJSON(w, map[string]any{"cleared": true})
	case rest == "requests" && r.Method == http.MethodGet:
		s.controlRequests(w)
	case rest == "configurations" && r.Method == http.MethodGet:
		s.mu.Lock()
		held := s.heldScrubber()
		data := make([]camelObject, len(s.records))
		for i, rec := range s.records {
			data[i] = rec.wire().scrubbed(held)
		}
		s.mu.Unlock()
		controlJSON(w, map[string]any{"data": data})
	case rest == "reset" && r.Method == http.MethodPost:
		s.Reset()
		controlJSON(w, map[string]any{"reset": true})
	case strings.HasPrefix(rest, "configurations/") && strings.HasSuffix(rest, "/health") && r.Method == http.MethodPut:
		id := strings.TrimSuffix(strings.TrimPrefix(rest, "configurations/"), "/health")
		s.controlHealth(w, id, x.body)
	default:
		controlError(w, http.StatusNotFound, "no control endpoint "+r.Method+" "+r.URL.Path)
	}
}

// faultJSON is a Fault as the control API reads it.
type faultJSON struct {
	Kind       string `json:"kind"`
	Method     string `json:"method"`
	Path       string `json:"path"`
	Skip       int    `json:"skip"`
	Count      int    `json:"count"`
	Delay      string `json:"delay"`
	RetryAfter string `json:"retryAfter"`
	Stall      string `json:"stall"`
}

func (s *Server) controlInject(w http.ResponseWriter, body []byte) {
	var in []faultJSON
	if err := decodeControl(body, &in, "array"); err != nil {
		controlError(w, http.StatusBadRequest, "body: want a JSON array of faults: "+err.Error())
		return
	}
	faults := make([]Fault, len(in))
	for i, fj := range in {
		f, err := fj.fault()
		if err != "" {
			controlError(w, http.StatusBadRequest, "faults["+itoa(i)+"]."+err)
			return
		}
		faults[i] = f
	}
	s.Inject(faults...)
	controlJSON(w, map[string]any{"queued": len(faults)})
}

// fault checks fj and returns the Fault, or the field at fault and why.
func (fj faultJSON) fault() (Fault, string) {
	f := Fault{Method: strings.ToUpper(fj.Method), Path: fj.Path, Skip: fj.Skip, Count: fj.Count}
	kind, ok := parseKind(fj.Kind)
	if !ok {
		return f, "kind: unknown fault kind " + quote(fj.Kind) + " (want e.g. \"drop\" or \"FaultServerError\")"
	}
	f.Kind = kind
	for _, d := range []struct {
		name string
		in   string
		out  *time.Duration
	}{{"delay", fj.Delay, &f.Delay}, {"retryAfter", fj.RetryAfter, &f.RetryAfter}, {"stall", fj.Stall, &f.Stall}} {
		if d.in == "" {
			continue
		}
		v, err := time.ParseDuration(d.in)
		if err != nil {
			return f, d.name + ": " + quote(d.in) + " is not a duration such as \"250ms\""
		}
		*d.out = v
	}
	if field, reason := checkFault(f); field != "" {
		return f, field + ": " + reason
	}
	return f, ""
}

// parseKind reads a FaultKind's name, with or without "Fault", any case.
func parseKind(name string) (FaultKind, bool) {
	for k := FaultServerError; k <= lastFaultKind; k++ {
		full := k.String()
		if strings.EqualFold(name, full) || strings.EqualFold(name, strings.TrimPrefix(full, "Fault")) {
			return k, true
		}
	}
	return 0, false
}

func (s *Server) controlHealth(w http.ResponseWriter, id string, body []byte) {
	var in struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if err := decodeControl(body, &in, "object"); err != nil {
		controlError(w, http.StatusBadRequest, "body: want {\"status\": \"healthy\"|\"unhealthy\"|\"unknown\"|\"\", \"message\": \"…\"}: "+err.Error())
		return
	}
	switch freddy.HealthStatus(in.Status) {
	case "", freddy.HealthStatusHealthy, freddy.HealthStatusUnhealthy, freddy.HealthStatusUnknown:
	default:
		controlError(w, http.StatusBadRequest, "status: "+quote(in.Status)+` is not "healthy", "unhealthy", "unknown" or ""`)
		return
	}
	if !s.SetHealth(id, freddy.HealthStatus(in.Status), in.Message) {
		controlError(w, http.StatusNotFound, "no stored configuration "+quote(id))
		return
	}
	controlJSON(w, map[string]any{"id": id, "status": in.Status})
}

// decodeControl is the one decoding rule of the control API's bodies: one
// JSON value (what names it in the error: "array", "object"), no member v
// does not have (a misspelt one would otherwise be dropped silently, and
// a health override removed), and nothing after the value.
func decodeControl(body []byte, v any, what string) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the " + what)
	}
	return nil
}

// loopbackPeer reports whether a RemoteAddr is on a loopback address.
func loopbackPeer(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func controlJSON(w http.ResponseWriter, v any) {
	writeControl(w, http.StatusOK, v)
}

func controlError(w http.ResponseWriter, status int, msg string) {
	writeControl(w, status, map[string]any{"error": msg})
}

func writeControl(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func itoa(i int) string { return strconv.Itoa(i) }

func quote(s string) string { return strconv.Quote(s) }
