package freddytest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
)

// Field messages, shared by every endpoint so that tests can match them.
const (
	msgRequired   = "is required"
	msgString     = "must be a string"
	msgObject     = "must be an object"
	msgBoolean    = "must be a boolean"
	msgNotEmpty   = "must not be empty"
	msgUnknown    = "is not a known field"
	msgJSONObject = "must be a JSON object"
	msgNoFields   = "must contain at least one field"
	msgToggle     = "cannot be updated here; use POST /v1/personal-connectors/configurations/{id}/toggle"
)

// fields collects one message per offending field of a JSON object body.
type fields struct {
	raw    map[string]json.RawMessage
	errors map[string]string
}

// parseObject decodes body as a JSON object. Anything else (an array, a
// scalar, null, invalid JSON) is reported against "body".
func parseObject(body []byte) *fields {
	f := &fields{errors: map[string]string{}}
	if err := json.Unmarshal(body, &f.raw); err != nil || f.raw == nil {
		f.errors["body"] = msgJSONObject
	}
	return f
}

func (f *fields) present(name string) (json.RawMessage, bool) {
	v, ok := f.raw[name]
	return v, ok && !bytes.Equal(v, []byte("null"))
}

// str reads an optional (or required) string; a required one must not be
// empty. JSON null counts as absent.
func (f *fields) str(name string, required bool) *string {
	v, ok := f.present(name)
	if !ok {
		if required {
			f.errors[name] = msgRequired
		}
		return nil
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		f.errors[name] = msgString
		return nil
	}
	if required && s == "" {
		f.errors[name] = msgNotEmpty
	}
	return &s
}

// obj reads an optional (or required) object; a required one must not be
// empty. JSON null counts as absent.
func (f *fields) obj(name string, required bool) map[string]any {
	v, ok := f.present(name)
	if !ok {
		if required {
			f.errors[name] = msgRequired
		}
		return nil
	}
	var m map[string]any
	if json.Unmarshal(v, &m) != nil {
		f.errors[name] = msgObject
		return nil
	}
	if required && len(m) == 0 {
		f.errors[name] = msgNotEmpty
	}
	return m
}

func (f *fields) boolean(name string, required bool) *bool {
	v, ok := f.present(name)
	if !ok {
		if required {
			f.errors[name] = msgRequired
		}
		return nil
	}
	var b bool
	if json.Unmarshal(v, &b) != nil {
		f.errors[name] = msgBoolean
		return nil
	}
	return &b
}

// only reports every top-level field not in known.
func (f *fields) only(known ...string) {
	for name := range f.raw {
		if !slices.Contains(known, name) {
			f.errors[name] = msgUnknown
		}
	}
}

// createMembers are the members of a Create body; an Update's are among
// them.
var createMembers = []string{"personalConnectorId", "name", "credentials", "configuration", "metadata", "description", "enabled"}

// createParams is a Create body that passed validation.
type createParams struct {
	personalConnectorID string
	name                string
	configuration       map[string]any
	credentials         map[string]any
	description         *string
	metadata            map[string]any
	enabled             *bool
}

// validateCreate checks a Create body against the documented schema: missing
// or wrongly typed required fields, wrongly typed optional ones, and unknown
// top-level fields, each named.
func validateCreate(body []byte) (createParams, map[string]string) {
	var p createParams
	f := parseObject(body)
	if len(f.errors) > 0 {
		return p, f.errors
	}
	if s := f.str("personalConnectorId", true); s != nil {
		p.personalConnectorID = *s
	}
	if s := f.str("name", true); s != nil {
		p.name = *s
	}
	p.credentials = f.obj("credentials", true)
	p.configuration = f.obj("configuration", false)
	p.metadata = f.obj("metadata", false)
	p.description = f.str("description", false)
	p.enabled = f.boolean("enabled", false)
	f.only(createMembers...)
	return p, f.errors
}

// updateParams is an Update body that passed validation; nil means "leave
// as it is".
type updateParams struct {
	name          *string
	description   *string
	configuration map[string]any
	metadata      map[string]any
	credentials   map[string]any
}

// validateUpdate checks a PATCH body. Every field is optional but the body
// must set one; a field that is present must have its type, and JSON null is
// not a value here (nothing documents clearing a field), except inside
// configuration and metadata, where it removes a key.
func validateUpdate(body []byte) (updateParams, map[string]string) {
	var p updateParams
	f := parseObject(body)
	if len(f.errors) > 0 {
		return p, f.errors
	}
	if len(f.raw) == 0 {
		return p, map[string]string{"body": msgNoFields}
	}
	for name, v := range f.raw {
		if bytes.Equal(v, []byte("null")) {
			switch name {
			case "name", "description":
				f.errors[name] = msgString
			case "configuration", "metadata", "credentials":
				f.errors[name] = msgObject
			}
		}
	}
	if _, ok := f.raw["enabled"]; ok {
		f.errors["enabled"] = msgToggle
	}
	p.name = f.str("name", false)
	if p.name != nil && *p.name == "" {
		f.errors["name"] = msgNotEmpty
	}
	p.description = f.str("description", false)
	p.configuration = f.obj("configuration", false)
	p.metadata = f.obj("metadata", false)
	if _, ok := f.present("credentials"); ok {
		p.credentials = f.obj("credentials", true)
	}
	f.only("name", "description", "configuration", "metadata", "credentials", "enabled")
	return p, f.errors
}

// validateToggle checks {"enabled": bool}.
func validateToggle(body []byte) (bool, map[string]string) {
	f := parseObject(body)
	if len(f.errors) > 0 {
		return false, f.errors
	}
	b := f.boolean("enabled", true)
	f.only("enabled")
	if b == nil {
		return false, f.errors
	}
	return *b, f.errors
}

// listQuery is a List query that passed validation.
type listQuery struct {
	connector string
	enabled   *bool
	health    string
	limit     int
	after     string
}

// validateList checks the documented query parameters; it leaves "after" to
// the caller, which holds the store. A parameter with an empty value counts
// as absent; unknown parameters are ignored.
func validateList(q url.Values) (listQuery, map[string]string) {
	lq := listQuery{limit: 20, connector: q.Get("personalConnectorId"), after: q.Get("after")}
	errs := map[string]string{}
	switch v := q.Get("enabled"); v {
	case "":
	case "true", "false":
		b := v == "true"
		lq.enabled = &b
	default:
		errs["enabled"] = `must be "true" or "false"`
	}
	switch v := q.Get("healthStatus"); v {
	case "", "healthy", "unhealthy", "unknown":
		lq.health = v
	default:
		errs["healthStatus"] = `must be "healthy", "unhealthy" or "unknown"`
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			errs["limit"] = "must be an integer from 1 to 100"
		}
		lq.limit = n
	}
	return lq, errs
}
