package redact

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"

	"github.com/aitronos/freddy-go/internal/jsonname"
)

// Discarded is a JSON member whose value is never kept: the credentials of
// a response. Whatever the server sends (the documented "***REDACTED***",
// an object, or a leaked value) is skipped, never stored, and written back
// as Marker.
type Discarded struct{}

// UnmarshalJSON accepts any JSON value and keeps nothing of it.
func (*Discarded) UnmarshalJSON([]byte) error { return nil }

// MarshalJSON writes Marker.
func (Discarded) MarshalJSON() ([]byte, error) { return []byte(`"` + Marker + `"`), nil }

// JSONCredentials replaces the value of every "credentials" member, at any
// depth, under every name encoding/json reads as credentials (any case,
// Unicode folding included: jsonname.Equal) however it is escaped, that is
// not the redaction marker: no credential value a server sends reaches a caller, even
// through RawJSON. Members keep their order, duplicates included. A body in
// which no name can spell "credentials" is returned as it is.
func JSONCredentials(raw json.RawMessage) json.RawMessage {
	if raw == nil || !jsonname.MayHold(raw, "credentials") {
		return raw
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var out bytes.Buffer
	if copyRedacted(d, &out) != nil {
		return nil
	}
	return out.Bytes()
}

// JSONCredentialsReadable is JSONCredentials for a text that may not be
// valid JSON (a body cut at a size limit, one with a trailing comma or
// data after its value): the part that reads as one JSON value is copied
// with its credentials members replaced as JSONCredentials replaces them,
// and everything from the first byte that does not is withheld (cut is
// true): past a syntax error no member name says where a credential is. A
// text in which no name can spell "credentials" is returned whole.
func JSONCredentialsReadable(raw []byte) (out []byte, cut bool) {
	if !jsonname.MayHold(raw, "credentials") {
		return raw, false
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var w bytes.Buffer
	if err := copyRedacted(d, &w); err != nil {
		return w.Bytes(), true
	}
	if _, err := d.Token(); err != io.EOF {
		return w.Bytes(), true
	}
	return w.Bytes(), false
}

// copyRedacted copies one JSON value from d to w, token by token.
func copyRedacted(d *json.Decoder, w *bytes.Buffer) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		open, end := byte(t), byte('}')
		if open == '[' {
			end = ']'
		}
		w.WriteByte(open)
		for n := 0; d.More(); n++ {
			if n > 0 {
				w.WriteByte(',')
			}
			if open == '[' {
				if err := copyRedacted(d, w); err != nil {
					return err
				}
				continue
			}
			key, err := d.Token()
			if err != nil {
				return err
			}
			writeJSONString(w, key.(string))
			w.WriteByte(':')
			if jsonname.Equal(key.(string), "credentials") {
				var skipped json.RawMessage
				if err := d.Decode(&skipped); err != nil {
					return err
				}
				w.WriteString(`"` + Marker + `"`)
				continue
			}
			if err := copyRedacted(d, w); err != nil {
				return err
			}
		}
		if _, err := d.Token(); err != nil {
			return err
		}
		w.WriteByte(end)
	case string:
		writeJSONString(w, t)
	case json.Number:
		w.WriteString(t.String())
	case bool:
		w.WriteString(strconv.FormatBool(t))
	case nil:
		w.WriteString("null")
	}
	return nil
}

// writeJSONString writes s as a JSON string without HTML escaping, so that
// text the server sent stays as it was.
func writeJSONString(w *bytes.Buffer, s string) {
	e := json.NewEncoder(w)
	e.SetEscapeHTML(false)
	_ = e.Encode(s)
	w.Truncate(w.Len() - 1) // Encode's newline
}
