package redact

import (
	"bytes"
	"encoding/json"
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
