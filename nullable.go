package freddy

import (
	"bytes"
	"encoding/json"
)

// nullable is a member in the Create page's spelling (a configuration's, or
// a list page's) that may be null. It
// records that the member came, so that an explicit null wins over a
// snake_case twin, as the Create page's spelling does whenever both come.
type nullable[T any] struct {
	v   *T
	set bool
}

// UnmarshalJSON records the member; encoding/json calls it for null too.
func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.set = true
	if bytes.Equal(b, []byte("null")) {
		n.v = nil
		return nil
	}
	v := new(T)
	// These members come with every item of a list page: decoding them
	// without a second json.Unmarshal keeps ListAll's cost per item.
	switch p := any(v).(type) {
	case *string:
		if s, ok := plainString(b); ok {
			*p, n.v = s, v
			return nil
		}
	case *bool:
		if t := string(b); t == "true" || t == "false" {
			*p, n.v = t == "true", v
			return nil
		}
	case json.Unmarshaler:
		if err := p.UnmarshalJSON(b); err != nil {
			return err
		}
		n.v = v
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	n.v = v
	return nil
}

// plainString returns the text of a JSON string that needs no unescaping
// or validation: printable ASCII with no quote or backslash inside. Any
// other string is left to encoding/json.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	for _, c := range b[1 : len(b)-1] {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(b[1 : len(b)-1]), true
}

// MarshalJSON writes the value, or null.
func (n nullable[T]) MarshalJSON() ([]byte, error) { return json.Marshal(n.v) }

// or is the member's value when it came, null included, else twin's.
func (n nullable[T]) or(twin *T) *T {
	if n.set {
		return n.v
	}
	return twin
}

// some wraps a value for MarshalJSON.
func some[T any](v *T) nullable[T] { return nullable[T]{v: v, set: true} }
