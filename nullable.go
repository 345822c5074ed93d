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
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	n.v = v
	return nil
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
