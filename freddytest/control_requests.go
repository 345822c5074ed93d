package freddytest

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/aitronos/freddy-go/internal/redact"
)

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
	s.mu.Unlock()
	out := make([]requestJSON, len(reqs))
	for i, r := range reqs {
		out[i] = s.redactRequest(r)
	}
	controlJSON(w, map[string]any{"dropped": dropped, "requests": out})
}

// redactRequest scrubs r with the SDK's redaction (internal/redact): the
// server's keys, the key r presented and r's credential values are
// secrets, the key headers are replaced whole, and a JSON body's
// credentials member is replaced as RawJSON replaces it.
func (s *Server) redactRequest(r Request) requestJSON {
	secrets := map[string]any{}
	for i, k := range s.cfg.apiKeys {
		secrets["key"+strconv.Itoa(i)] = k
	}
	secrets["presented"] = r.Header.Get("X-Api-Key")
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		secrets["bearer"] = strings.TrimSpace(token)
	}
	secrets["body"] = redact.JSONCredentialValues(r.Body)
	scrub := redact.New("", secrets)
	// As RawJSON does: the credentials member goes whole, whatever is left
	// of it after scrubbing (a value under 4 bytes, a scheme name). A body
	// that is not valid JSON (cut at 1 MiB, a trailing comma) is listed as
	// far as it reads as JSON: past the error nothing says where a
	// credential is, so the rest is withheld, and every string in the body
	// is a secret to the header and path (a credential the token walk never
	// reached may be echoed there).
	body, cut := redact.JSONCredentialsReadable(r.Body)
	text := string(scrub.Bytes(body))
	around := scrub
	if cut {
		text += withheldBody
		secrets["strings"] = redact.StringLiterals(r.Body)
		around = redact.New("", secrets)
	}
	header := around.Header(r.Header)
	for _, name := range []string{"X-Api-Key", "Authorization"} {
		if len(header[name]) > 0 {
			header[name] = []string{redact.Marker}
		}
	}
	return requestJSON{Seq: r.Seq, Method: r.Method, Path: around.String(r.Path), Proto: r.Proto,
		Header: header, Body: text}
}

// withheldBody ends a listed body that is not valid JSON where it stops
// reading as JSON.
const withheldBody = "…" + redact.Marker + " (the rest is not valid JSON and is withheld)"
