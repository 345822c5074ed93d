package freddy

import (
	"encoding/json"
	"strings"
)

// listCursor reads where a List body leaves off, which is all the request
// for the next page needs: the cursor and whether a next page follows, by
// the rules of decodeList (wireList.ends). It reads the top level of the
// body without decoding the items, in a small part of decodeList's time, so
// that ListAll's next request need not wait for them. ok is false for a
// body it does not read so (the envelope around a list object, a member
// name in another case or spelled with escapes, a repeated member, a page
// without lastId, malformed JSON at the top level): the caller then waits
// for decodeList. It does not validate the items: a body whose items
// decodeList then refuses has had its cursor read all the same.
func listCursor(body []byte, limit int) (cursor string, next, ok bool) {
	var l wireList[wireID]
	s := jsonScan{b: body}
	s.space()
	var n int
	var lastItem []byte
	switch s.peek() {
	case '[':
		if n, lastItem, ok = s.array(); !ok {
			return "", false, false
		}
	case '{':
		if n, lastItem, ok = s.listObject(&l); !ok {
			return "", false, false
		}
	default:
		return "", false, false
	}
	if s.space(); s.i != len(s.b) || (l.Success != nil && !*l.Success) {
		return "", false, false
	}
	var last wireID
	if lastItem != nil && json.Unmarshal(lastItem, &last) != nil {
		return "", false, false
	}
	more, _, cursor := l.ends(n, func(int) string { return last.ID }, limit)
	return cursor, more && n > 0, cursor != ""
}

// wireID is a list item of which only the ID is read.
type wireID struct {
	ID string `json:"id"`
}

// listMembers are the members of a list object listCursor reads; a member
// equal to one of them but for case would be read by encoding/json as that
// member, so listCursor leaves such a body to decodeList.
var listMembers = []string{"success", "data", "hasMore", "has_more", "firstId", "first_id", "lastId", "last_id"}

// structural are the bytes that open or close a string, an object or an
// array.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// jsonScan walks JSON text without decoding it.
type jsonScan struct {
	b []byte
	i int
	// elems, when not nil, collects where each element of the data array
	// starts and ends (decodeListItems).
	elems *[]span
	// strict refuses a list object with a member listObject does not read
	// whose value is not valid JSON: decodeListItems then knows the whole
	// body valid, as json.Unmarshal requires.
	strict bool
	// deepest is the deepest nesting value passed.
	deepest int
}

// span is where a value starts and ends in the text scanned.
type span struct{ from, to int }

// maxScanDepth is the nesting under which the scan reads a body: far below
// encoding/json's own limit, which an item decoded on its own would
// otherwise meet two levels later than inside the body.
const maxScanDepth = 1000

func (s *jsonScan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

// peek is the next byte, 0 at the end.
func (s *jsonScan) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// str passes a string at s.i; plain is false if it holds an escape, a
// control character or a byte outside ASCII.
func (s *jsonScan) str() (text []byte, plain, ok bool) {
	if s.peek() != '"' {
		return nil, false, false
	}
	plain = true
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '\\':
			plain = false
			j++
		case c == '"':
			text, s.i = s.b[s.i+1:j], j+1
			return text, plain, true
		case c >= 0x80 || c < 0x20:
			plain = false
		}
	}
	return nil, false, false
}

// skipStr passes a string at s.i, quickly: the value is not needed. A
// backslash escapes the byte after it (\uXXXX's digits hold no quote).
func (s *jsonScan) skipStr() bool {
	for j := s.i + 1; j < len(s.b); j++ {
		switch s.b[j] {
		case '"':
			s.i = j + 1
			return true
		case '\\':
			j++
		}
	}
	return false
}

// value passes any value at s.i and returns its text.
func (s *jsonScan) value() ([]byte, bool) {
	start := s.i
	switch s.peek() {
	case '"':
		_, _, ok := s.str()
		return s.b[start:s.i], ok
	case '{', '[':
		depth := 0
		for {
			for s.i < len(s.b) && !structural[s.b[s.i]] {
				s.i++
			}
			if s.i == len(s.b) {
				return nil, false
			}
			switch s.b[s.i] {
			case '"':
				if !s.skipStr() {
					return nil, false
				}
				continue
			case '{', '[':
				depth++
				s.deepest = max(s.deepest, depth)
			default:
				if depth--; depth == 0 {
					s.i++
					return s.b[start:s.i], true
				}
			}
			s.i++
		}
	}
	for s.i < len(s.b) && !strings.ContainsRune(",}] \t\r\n", rune(s.b[s.i])) {
		s.i++
	}
	return s.b[start:s.i], s.i > start
}

// array passes an array at s.i: its length and its last element's text.
func (s *jsonScan) array() (n int, last []byte, ok bool) {
	s.i++
	if s.space(); s.peek() == ']' {
		s.i++
		return 0, nil, true
	}
	for {
		s.space()
		start := s.i
		if last, ok = s.value(); !ok {
			return 0, nil, false
		}
		if s.elems != nil {
			*s.elems = append(*s.elems, span{start, s.i})
		}
		n++
		s.space()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return n, last, true
		default:
			return 0, nil, false
		}
	}
}

// listObject passes a list object at s.i, reading its members into l: the
// length of its data array and that array's last element.
func (s *jsonScan) listObject(l *wireList[wireID]) (n int, last []byte, ok bool) {
	s.i++
	seen := map[string]bool{}
	data := false
	for first := true; ; first = false {
		if s.space(); first && s.peek() == '}' {
			break
		}
		name, plain, ok := s.str()
		if !ok || !plain {
			return 0, nil, false
		}
		if s.space(); s.peek() != ':' {
			return 0, nil, false
		}
		s.i++
		s.space()
		key := string(name)
		known := false
		for _, m := range listMembers {
			if strings.EqualFold(key, m) {
				if key != m || seen[m] {
					return 0, nil, false
				}
				seen[m], known = true, true
			}
		}
		switch {
		case key == "data":
			if s.peek() != '[' {
				return 0, nil, false
			}
			if n, last, ok = s.array(); !ok {
				return 0, nil, false
			}
			data = true
		case known:
			v, ok := s.value()
			if !ok || json.Unmarshal(v, l.member(key)) != nil {
				return 0, nil, false
			}
		default:
			if v, ok := s.value(); !ok || (s.strict && !json.Valid(v)) {
				return 0, nil, false
			}
		}
		s.space()
		if s.peek() == ',' {
			s.i++
			continue
		}
		if s.peek() != '}' {
			return 0, nil, false
		}
		break
	}
	s.i++
	return n, last, data
}

// member is where json.Unmarshal puts l's member name.
func (l *wireList[T]) member(name string) any {
	switch name {
	case "success":
		return &l.Success
	case "hasMore":
		return &l.HasMore
	case "has_more":
		return &l.HasMoreSnake
	case "firstId":
		return &l.FirstID
	case "first_id":
		return &l.FirstIDSnake
	case "lastId":
		return &l.LastID
	}
	return &l.LastIDSnake
}
