package freddy

import (
	"encoding/json"
	"strings"
	"time"
)

// The fast reader of a configuration object (the body of Create, Get,
// Update and toggle). Its one rule: it fills an objectBody exactly as
// json.Unmarshal would, or gives up. It reads member names that are plain
// ASCII, each once, spelled as the struct tags spell them, and values of
// the types the fields hold; anything else (a name encoding/json would
// match by case folding, an escaped name, a repeated member, a value of
// another type, nesting near encoding/json's limit, text after the object)
// makes it return false, and decodeObject then runs json.Unmarshal on a
// fresh objectBody, whose result or error the caller gets. Every value it
// does not decode itself is checked by encoding/json (a skipped member, a
// credentials object, a map with more than plain strings), and every value
// it decodes itself is valid by construction, so a body it reads is valid
// JSON, as json.Unmarshal requires. FuzzFastObject holds it to that.
//
// Why: encoding/json spends most of a Create's decoding on reflection and
// on validating the body before decoding it; this reader does each once
// and costs under a third of it (BenchmarkDecodeConfiguration).

// wireFields are wireConfiguration's member names, in the order of
// wireField's cases; topFields the envelope's, which objectBody adds.
var (
	wireFields = [...]string{"id", "object", "userId", "user_id", "apiKeyId", "api_key_id",
		"organization_id", "organizationId", "personalConnectorId", "personal_connector_id",
		"name", "configuration", "credentials", "enabled", "healthStatus", "health_status",
		"lastSyncAt", "last_sync_at", "lastError", "last_error", "description", "metadata",
		"created_at", "createdAt", "updated_at", "updatedAt"}
	topFields = [...]string{"success", "data"}
)

// fast fills b from body as json.Unmarshal(body, b) would, b being zero;
// false when it does not read body.
func (b *objectBody) fast(body []byte) bool {
	s := jsonScan{b: body}
	s.space()
	if s.peek() != '{' {
		return false
	}
	var seen uint32
	ok := s.object(func(name []byte) bool {
		switch string(name) {
		case "success":
			return s.once(&seen, 26) && s.boolPtrInto(&b.Success)
		case "data":
			if !s.once(&seen, 27) {
				return false
			}
			if s.null() {
				b.Data = nil
				return true
			}
			if s.peek() != '{' {
				return false
			}
			b.Data = new(wireConfiguration)
			return b.Data.fast(&s)
		}
		return b.wireConfiguration.member(&s, name, &seen, true)
	})
	s.space()
	return ok && s.i == len(s.b) && s.deepest <= maxScanDepth
}

// fast reads the object at s.i into w.
func (w *wireConfiguration) fast(s *jsonScan) bool {
	var seen uint32
	return s.object(func(name []byte) bool { return w.member(s, name, &seen, false) })
}

// member reads the value of member name at s.i into w's field of that
// name; a name that is none of them is skipped, its value validated, unless
// encoding/json would match it to one by case folding (among the envelope's
// too when top).
func (w *wireConfiguration) member(s *jsonScan, name []byte, seen *uint32, top bool) bool {
	i := wireField(name)
	if i < 0 {
		if folds(name, wireFields[:]) || top && folds(name, topFields[:]) {
			return false
		}
		return s.skip()
	}
	if !s.once(seen, i) {
		return false
	}
	switch i {
	case 0:
		return s.stringInto(&w.ID)
	case 1:
		return s.stringInto(&w.Object)
	case 2:
		return s.stringInto(&w.UserID)
	case 3:
		return s.stringInto(&w.UserIDSnake)
	case 4:
		return s.unmarshalInto(&w.APIKeyID)
	case 5:
		return s.stringPtrInto(&w.APIKeyIDSnake)
	case 6:
		return s.stringInto(&w.OrganizationID)
	case 7:
		return s.stringInto(&w.OrganizationIDCamel)
	case 8:
		return s.stringInto(&w.PersonalConnectorID)
	case 9:
		return s.stringInto(&w.PersonalConnectorIDSnake)
	case 10:
		return s.stringInto(&w.Name)
	case 11:
		return s.mapInto(&w.Configuration)
	case 12:
		return s.skip() // redact.Discarded keeps nothing
	case 13:
		return s.boolInto(&w.Enabled)
	case 14:
		return s.stringInto((*string)(&w.HealthStatus))
	case 15:
		return s.stringInto((*string)(&w.HealthStatusSnake))
	case 16:
		return s.unmarshalInto(&w.LastSyncAt)
	case 17:
		return s.timePtrInto(&w.LastSyncAtSnake)
	case 18:
		return s.unmarshalInto(&w.LastError)
	case 19:
		return s.stringPtrInto(&w.LastErrorSnake)
	case 20:
		return s.stringPtrInto(&w.Description)
	case 21:
		return s.mapInto(&w.Metadata)
	case 22:
		return s.unmarshalInto(&w.CreatedAt)
	case 23:
		return s.timePtrInto(&w.CreatedAtCamel)
	case 24:
		return s.unmarshalInto(&w.UpdatedAt)
	}
	return s.timePtrInto(&w.UpdatedAtCamel)
}

// wireField is the index of name in wireFields, -1 if none.
func wireField(name []byte) int {
	for i, f := range wireFields {
		if string(name) == f {
			return i
		}
	}
	return -1
}

// folds reports whether encoding/json would read name as one of names: it
// matches member names without regard to ASCII case (names are plain
// ASCII here; a name that is not is never read by the fast reader).
func folds(name []byte, names []string) bool {
	for _, f := range names {
		if strings.EqualFold(string(name), f) {
			return true
		}
	}
	return false
}

// object walks the object at s.i, handing each member's name to read,
// which passes the member's value; false if read does, or if the object is
// malformed or has a name that is not plain ASCII (encoding/json unescapes
// and folds those).
func (s *jsonScan) object(read func(name []byte) bool) bool {
	s.i++
	s.depth++
	s.deepest = max(s.deepest, s.depth)
	for first := true; ; first = false {
		if s.space(); first && s.peek() == '}' {
			break
		}
		name, plain, ok := s.str()
		if !ok || !plain {
			return false
		}
		if s.space(); s.peek() != ':' {
			return false
		}
		s.i++
		s.space()
		if !read(name) {
			return false
		}
		s.space()
		if s.peek() == ',' {
			s.i++
			continue
		}
		if s.peek() != '}' {
			return false
		}
		break
	}
	s.i++
	s.depth--
	return true
}

// once marks field i seen; false if it was: encoding/json would let the
// later value win, which the fast reader leaves to it.
func (s *jsonScan) once(seen *uint32, i int) bool {
	if *seen&(1<<i) != 0 {
		return false
	}
	*seen |= 1 << i
	return true
}

// null passes a null at s.i.
func (s *jsonScan) null() bool { return s.literal("null") }

// literal passes lit at s.i; what follows is checked by the caller's
// structure (a comma or a closing brace).
func (s *jsonScan) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// stringInto reads a string into *v; null leaves it, as encoding/json does. A
// string with escapes or bytes outside printable ASCII is decoded by
// encoding/json.
func (s *jsonScan) stringInto(v *string) bool {
	if s.null() {
		return true
	}
	start := s.i
	text, plain, ok := s.str()
	switch {
	case !ok:
		return false
	case plain:
		*v = string(text)
		return true
	}
	return json.Unmarshal(s.b[start:s.i], v) == nil
}

// stringPtrInto reads a string into a new *v, or null into nil.
func (s *jsonScan) stringPtrInto(v **string) bool {
	if s.null() {
		*v = nil
		return true
	}
	p := new(string)
	if s.peek() != '"' || !s.stringInto(p) {
		return false
	}
	*v = p
	return true
}

// boolInto reads true or false into *v; null leaves it.
func (s *jsonScan) boolInto(v *bool) bool {
	switch {
	case s.literal("true"):
		*v = true
	case s.literal("false"):
		*v = false
	default:
		return s.null()
	}
	return true
}

// boolPtrInto reads true or false into a new *v, or null into nil.
func (s *jsonScan) boolPtrInto(v **bool) bool {
	if s.null() {
		*v = nil
		return true
	}
	var b bool
	if s.peek() == 'n' || !s.boolInto(&b) {
		return false
	}
	*v = &b
	return true
}

// unmarshalInto hands the value at s.i to v's UnmarshalJSON, null included,
// as encoding/json does for a field whose type has the method. Every
// UnmarshalJSON given here (nullable's, time.Time's) refuses text that is
// not valid JSON.
func (s *jsonScan) unmarshalInto(v json.Unmarshaler) bool {
	raw, ok := s.value()
	return ok && v.UnmarshalJSON(raw) == nil
}

// timePtrInto reads a time into a new *v, or null into nil.
func (s *jsonScan) timePtrInto(v **time.Time) bool {
	if s.null() {
		*v = nil
		return true
	}
	t := new(time.Time)
	if !s.unmarshalInto(t) {
		return false
	}
	*v = t
	return true
}

// mapInto reads an object into a new map, as encoding/json reads it into a
// map[string]any, or null into nil. An object of plain strings, booleans
// and nulls is read here; any other is left to encoding/json, after its
// nesting is checked.
func (s *jsonScan) mapInto(v *map[string]any) bool {
	if s.null() {
		*v = nil
		return true
	}
	if s.peek() != '{' {
		return false
	}
	start, depth, deepest := s.i, s.depth, s.deepest
	m := map[string]any{}
	ok := s.object(func(name []byte) bool {
		var x any
		switch s.peek() {
		case '"':
			text, plain, ok := s.str()
			if !ok || !plain {
				return false
			}
			x = string(text)
		case 't', 'f':
			var b bool
			if !s.boolInto(&b) {
				return false
			}
			x = b
		default:
			if !s.null() {
				return false
			}
		}
		m[string(name)] = x
		return true
	})
	if ok {
		*v = m
		return true
	}
	// Anything else: from the object's start, its extent found first.
	s.i, s.depth, s.deepest = start, depth, deepest
	raw, ok := s.nested()
	if !ok || s.deepest > maxScanDepth {
		return false
	}
	*v = nil
	return json.Unmarshal(raw, v) == nil
}

// skip passes a value that is not kept, valid JSON required: a plain
// string or a literal is passed, anything else checked by encoding/json.
func (s *jsonScan) skip() bool {
	if s.peek() == '"' {
		start := s.i
		_, plain, ok := s.str()
		return ok && (plain || json.Valid(s.b[start:s.i]))
	}
	raw, ok := s.nested()
	return ok && s.deepest <= maxScanDepth && json.Valid(raw)
}

// nested passes any value at s.i and returns its text, its nesting counted
// from the depth it sits at (value counts from the value).
func (s *jsonScan) nested() ([]byte, bool) {
	outer := s.deepest
	s.deepest = 0
	raw, ok := s.value()
	s.deepest = max(outer, s.depth+s.deepest)
	return raw, ok
}
