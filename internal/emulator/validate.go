package emulator

import (
	"bytes"
	"encoding/json"
)

// params is a request body that passed validation.
type params struct {
	PersonalConnectorID string
	Name                string
	Configuration       map[string]any
	Description         *string
	Metadata            map[string]any
	Enabled             *bool
}

// validate checks the body against the documented request schema and returns
// a message per offending field: missing or wrongly typed required fields,
// wrongly typed optional ones, and unknown top-level fields.
func validate(body []byte) (params, map[string]any) {
	var p params
	fields := map[string]any{}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		fields["body"] = "must be a JSON object"
		return p, fields
	}
	str := func(name string, required bool) *string {
		v, ok := raw[name]
		if !ok || bytes.Equal(v, []byte("null")) {
			if required {
				fields[name] = "is required"
			}
			return nil
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			fields[name] = "must be a string"
			return nil
		}
		if required && s == "" {
			fields[name] = "must not be empty"
		}
		return &s
	}
	obj := func(name string, required bool) map[string]any {
		v, ok := raw[name]
		if !ok || bytes.Equal(v, []byte("null")) {
			if required {
				fields[name] = "is required"
			}
			return nil
		}
		var m map[string]any
		if json.Unmarshal(v, &m) != nil {
			fields[name] = "must be an object"
			return nil
		}
		if required && len(m) == 0 {
			fields[name] = "must not be empty"
		}
		return m
	}
	if s := str("personalConnectorId", true); s != nil {
		p.PersonalConnectorID = *s
	}
	if s := str("name", true); s != nil {
		p.Name = *s
	}
	obj("credentials", true)
	p.Configuration = obj("configuration", false)
	p.Metadata = obj("metadata", false)
	p.Description = str("description", false)
	if v, ok := raw["enabled"]; ok && !bytes.Equal(v, []byte("null")) {
		var b bool
		if json.Unmarshal(v, &b) != nil {
			fields["enabled"] = "must be a boolean"
		} else {
			p.Enabled = &b
		}
	}
	for name := range raw {
		switch name {
		case "personalConnectorId", "name", "credentials", "configuration", "metadata", "description", "enabled":
		default:
			fields[name] = "is not a known field"
		}
	}
	return p, fields
}
