package freddy

import "sort"

// FieldError is one field a validation error refused, as the server named
// it in the error's details.fields.
type FieldError struct {
	// Field is the field or query parameter, as the server spelled it,
	// e.g. "name" or "after".
	Field string
	// Reason says what is wrong with it, e.g. "must be a string"; empty when
	// the server gave no text.
	Reason string
}

// Fields returns the fields the server refused, sorted by name, read from
// details.fields ({"name": "must be a string", …}). It returns nil when the
// error names no field (or details.fields has another shape), so callers
// need not type-assert Details["fields"].
func (e *ValidationError) Fields() []FieldError { return refusedFields(e.Details) }

// refusedFields reads details.fields, sorted by name: the one reading of it,
// for Fields and for every error message.
func refusedFields(details map[string]any) []FieldError {
	fields, ok := details["fields"].(map[string]any)
	if !ok || len(fields) == 0 {
		return nil
	}
	out := make([]FieldError, 0, len(fields))
	for name, reason := range fields {
		r, _ := reason.(string)
		out = append(out, FieldError{Field: name, Reason: r})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}
