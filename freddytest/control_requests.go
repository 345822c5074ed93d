package freddytest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aitronos/freddy-go/internal/redact"
)

// This file lists the request log for the control API. The rule for a body:
// only a complete, valid JSON document is listed (its credentials member
// replaced, the rest scrubbed of the keys and the credential values): only
// there does a member name prove which values are credentials. Any other
// body (a syntax error anywhere, data after the value, a body over 1 MiB
// whose logged copy is cut, one whose read failed) is withheld whole
// (withheldBody): before its error a value may echo a credential that comes
// after it. Its string values then stand for credentials when the header
// values and the path are scrubbed, except those that cannot be one: member
// names (the API's structure), values under redact.Window bytes (matched
// by the scrubber only whole, they would blank words), and the API's own
// names. Header names are scrubbed of proven secrets only, so the header
// still maps canonical names to lists.

// requestJSON is a logged request as the control API lists it.
type requestJSON struct {
	Seq    int64               `json:"seq"`
	Method string              `json:"method"`
	Path   string              `json:"path"`
	Proto  string              `json:"proto"`
	Header map[string][]string `json:"header"`
	Body   string              `json:"body"`
}

func (s *Server) controlRequests(w http.ResponseWriter) {
	s.mu.Lock()
	reqs, dropped := s.log.list()
	held := s.heldScrubber()
	s.mu.Unlock()
	out := make([]requestJSON, len(reqs))
	for i, r := range reqs {
		out[i] = s.redactRequest(r, held)
	}
	controlJSON(w, map[string]any{"dropped": dropped, "requests": out})
}

// redactRequest scrubs r with the SDK's redaction (internal/redact) by the
// rule at the head of this file: the server's keys, every key r presented
// (presentedKeys) and r's credential values are secrets, the key headers
// (isKeyHeader) are replaced whole, and a JSON body's credentials member is replaced as RawJSON
// replaces it. held (heldScrubber) then scrubs everything listed of the
// credentials the server stores or has stored, which r may echo.
func (s *Server) redactRequest(r Request, held *redact.Scrubber) requestJSON {
	secrets := map[string]any{}
	for i, k := range s.cfg.apiKeys {
		secrets["key"+strconv.Itoa(i)] = k
	}
	var presented []any
	for _, k := range presentedKeys(r.Header) {
		presented = append(presented, k)
	}
	secrets["presented"] = presented
	whole := !r.partial && json.Valid(r.Body)
	if whole {
		secrets["body"] = redact.JSONCredentialValues(r.Body)
	}
	proven := redact.New("", secrets)
	around, body := proven, ""
	switch {
	case whole:
		body = string(held.Bytes(proven.Bytes(redact.JSONCredentials(r.Body))))
	case len(r.Body) > 0:
		body = withheldBody
		secrets["values"] = mayBeCredentials(r.Body)
		around = redact.New("", secrets)
	}
	header := make(map[string][]string, len(r.Header))
	for name, vs := range r.Header {
		c := make([]string, len(vs))
		for i, v := range vs {
			c[i] = held.String(around.String(v))
		}
		if isKeyHeader(name) {
			c = []string{redact.Marker}
		}
		header[held.String(proven.String(name))] = c
	}
	return requestJSON{Seq: r.Seq, Method: held.String(around.String(r.Method)), Path: held.String(around.String(r.Path)), Proto: r.Proto,
		Header: header, Body: body}
}

// mayBeCredentials returns the string values of a body that is not valid
// JSON that may be credentials, for redact.New.
func mayBeCredentials(body []byte) []any {
	var out []any
	for _, v := range redact.StringValues(body) {
		if len(v) >= redact.Window && !slices.ContainsFunc(apiWords, func(w string) bool { return strings.EqualFold(w, v) }) {
			out = append(out, v)
		}
	}
	return out
}

// apiWords are the API's own names: a body that sends one as a value sends
// no secret, and scrubbing it would blank the path or a header.
var apiWords = append([]string{objectType}, createMembers...)

// withheldBody is listed for a body that is not a complete, valid JSON
// document.
const withheldBody = redact.Marker + " (not valid JSON or over 1 MiB; withheld)"
