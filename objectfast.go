package freddy

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The fast reader of a configuration object (the body of Create, Get,
// Update and toggle). Its one rule: it fills an objectBody exactly as
// json.Unmarshal would, or gives up. It reads member names that are plain
// ASCII, each once, spelled as the struct tags spell them, and values of
// the types the fields hold; anything else (a name encoding/json would
// match by case folding, an escaped name, a repeated member, a value of
// another type, a number out of float64's range, nesting near
// encoding/json's limit, text after the object) makes it return false, and
// decodeObject then runs json.Unmarshal on a fresh objectBody, whose result
// or error the caller gets. Every value it skips is checked by
// encoding/json (an unknown member, credentials) and every value it decodes
// (strings unescaped as encoding/json does, maps and arrays of any values)
// is valid by construction, so a body it reads is valid JSON, as
// json.Unmarshal requires. FuzzFastObject holds it to that.
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
		if folds(name, wireLower) || top && folds(name, topLower) {
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

// folds reports whether encoding/json would read name as one of the names
// in lower (wireLower or topLower): it matches member names without regard
// to ASCII case (names are plain ASCII here; a name that is not is never
// read by the fast reader). One lookup, not a comparison with each name: a
// body may carry many members the SDK does not know.
func folds(name []byte, lower map[string]bool) bool {
	var buf [32]byte
	if len(name) > len(buf) {
		return false // longer than any known name
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return lower[string(buf[:len(name)])]
}

// lowerSet is names in lower case, for folds.
func lowerSet(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = true
	}
	return m
}

var wireLower, topLower = lowerSet(wireFields[:]), lowerSet(topFields[:])

// object walks the object at s.i, handing each member's name to read,
// which passes the member's value; false if read does, or if the object is
// malformed or has a name that is not plain ASCII (encoding/json unescapes
// and folds those).
func (s *jsonScan) object(read func(name []byte) bool) bool {
	s.i++
	s.depth++
	s.deepest = max(s.deepest, s.depth)
	if s.depth > maxScanDepth {
		return false // and the readers recurse no deeper
	}
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

// stringInto reads a string into *v; null leaves it, as encoding/json does.
func (s *jsonScan) stringInto(v *string) bool {
	if s.null() {
		return true
	}
	text, ok := s.text()
	if ok {
		*v = text
	}
	return ok
}

// text reads the string at s.i as encoding/json decodes it.
func (s *jsonScan) text() (string, bool) {
	raw, plain, ok := s.str()
	switch {
	case !ok:
		return "", false
	case plain:
		return string(raw), true
	}
	return unquote(raw)
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
// map[string]any, or null into nil.
func (s *jsonScan) mapInto(v *map[string]any) bool {
	if s.null() {
		*v = nil
		return true
	}
	if s.peek() != '{' {
		return false
	}
	x, ok := s.anyValue()
	if ok {
		*v = x.(map[string]any)
	}
	return ok
}

// anyValue reads any value as encoding/json reads it into an any: objects
// as map[string]any (the last of a repeated name wins), arrays as []any,
// numbers as float64. A number out of float64's range, a name with escapes
// or outside ASCII, or nesting deeper than maxScanDepth is not read. The
// value is returned, not written through a pointer, which would move each
// one to the heap.
func (s *jsonScan) anyValue() (any, bool) {
	switch c := s.peek(); {
	case c == '"':
		return s.text()
	case c == '{':
		m := map[string]any{}
		ok := s.object(func(name []byte) bool {
			x, ok := s.anyValue()
			m[string(name)] = x
			return ok
		})
		return m, ok
	case c == '[':
		return s.arrayValue()
	case c == 't' || c == 'f':
		var b bool
		ok := s.boolInto(&b)
		return b, ok
	case c == 'n':
		return nil, s.null()
	}
	return s.number()
}

// arrayValue reads an array into a new []any.
func (s *jsonScan) arrayValue() (any, bool) {
	s.i++
	s.depth++
	s.deepest = max(s.deepest, s.depth)
	if s.depth > maxScanDepth {
		return nil, false
	}
	list := []any{}
	s.space()
	if s.peek() == ']' {
		s.i++
		s.depth--
		return list, true
	}
	for {
		s.space()
		x, ok := s.anyValue()
		if !ok {
			return nil, false
		}
		list = append(list, x)
		s.space()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			s.depth--
			return list, true
		default:
			return nil, false
		}
	}
}

// number reads a number, by JSON's grammar, as a float64.
func (s *jsonScan) number() (any, bool) {
	b, i := s.b, s.i
	digits := func() bool {
		from := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i > from
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		if i++; !digits() {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		if i++; i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	f, err := strconv.ParseFloat(string(b[s.i:i]), 64)
	if err != nil {
		return nil, false // out of range: encoding/json's error
	}
	s.i = i
	return f, true
}

// unquote is a JSON string's text, between its quotes, decoded as
// encoding/json decodes it: escapes unescaped, a UTF-16 surrogate that is
// not half of a pair and a byte that is not UTF-8 each read as U+FFFD.
// False for text no JSON string holds: a control character, an escape
// JSON does not define.
func unquote(t []byte) (string, bool) {
	// Decoded into a buffer on the stack when it fits, so that the string
	// is the one allocation, as encoding/json's.
	var buf [128]byte
	b := buf[:0]
	for i := 0; i < len(t); {
		switch c := t[i]; {
		case c == '\\':
			if i+1 == len(t) {
				return "", false
			}
			switch e := t[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(t[i+2:])
				if r < 0 {
					return "", false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if t := t[i:]; len(t) >= 2 && t[0] == '\\' && t[1] == 'u' {
						if r2 := hex4(t[2:]); r2 >= 0 {
							if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
								b = utf8.AppendRune(b, d)
								i += 6
								continue
							}
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return "", false
			}
			i += 2
		case c < ' ':
			return "", false
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, n := utf8.DecodeRune(t[i:])
			b = utf8.AppendRune(b, r)
			i += n
		}
	}
	return string(b), true
}

// hex4 is the rune of the four hex digits t starts with, -1 if it does not.
func hex4(t []byte) rune {
	if len(t) < 4 {
		return -1
	}
	var r rune
	for _, c := range t[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
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
