package freddy

import (
	"encoding/json"
	"strings"
)

// listScan is a List body's top level, read without decoding the items:
// the list object's members other than data, and where each item starts
// and ends. One scan serves ListAll's next request (cursor) and the
// decoding of the items (decodeListItems).
type listScan struct {
	top   wireList[wireID]
	elems []span
	// bare: the body is a bare array of items.
	bare bool
	// ok is false for a body the scan does not read: the envelope around a
	// list object, a member name in another case, spelled with escapes or
	// holding a control character, a repeated member, a member that is not
	// valid JSON, "success": false, malformed JSON at the top level,
	// nesting deeper than maxScanDepth. decodeWholeList reads those.
	ok bool
}

// scanList scans body's top level, in a small part of decodeList's time.
// It does not validate the items.
func scanList(body []byte) *listScan {
	sc := &listScan{}
	s := jsonScan{b: body}
	s.space()
	switch s.peek() {
	case '[':
		sc.ok = s.array()
		sc.bare = true
	case '{':
		sc.ok = s.listObject(&sc.top)
	}
	s.space()
	sc.elems = s.elems
	sc.ok = sc.ok && s.i == len(s.b) && s.deepest <= maxScanDepth && (sc.top.Success == nil || *sc.top.Success)
	return sc
}

// listCursor reads where a List body leaves off: see listScan.cursor.
func listCursor(body []byte, limit int) (cursor string, next, ok bool) {
	return scanList(body).cursor(body, limit)
}

// cursor is where the scanned List body leaves off, which is all the
// request for the next page needs: the cursor and whether a next page
// follows, by the rules of decodeList (wireList.ends), so that ListAll's
// next request need not wait for the items to be decoded. ok is false when
// the scan did not read the body, or its last item's id: the caller then
// waits for decodeList. A body whose items decodeList then refuses has had
// its cursor read all the same.
func (sc *listScan) cursor(body []byte, limit int) (cursor string, next, ok bool) {
	if !sc.ok {
		return "", false, false
	}
	n := len(sc.elems)
	var last wireID
	if n > 0 && json.Unmarshal(body[sc.elems[n-1].from:sc.elems[n-1].to], &last) != nil {
		return "", false, false
	}
	more, _, cursor := sc.top.ends(n, func(int) string { return last.ID }, limit)
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
	// elems are where each element of the data array starts and ends.
	elems []span
	// deepest is the deepest nesting value passed.
	deepest int
	// depth is the nesting of the object the fast reader is in
	// (objectfast.go).
	depth int
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

// array passes the data array at s.i, recording its elements in s.elems.
func (s *jsonScan) array() bool {
	s.i++
	if s.space(); s.peek() == ']' {
		s.i++
		return true
	}
	for {
		s.space()
		start := s.i
		if _, ok := s.value(); !ok {
			return false
		}
		s.elems = append(s.elems, span{start, s.i})
		s.space()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

// listObject passes a list object at s.i, reading its members into l and
// its data array's elements into s.elems; false without a data array. Any
// other member's value must be valid JSON: decodeListItems then knows the
// whole body valid, as json.Unmarshal requires.
func (s *jsonScan) listObject(l *wireList[wireID]) bool {
	seen := map[string]bool{}
	data := false
	ok := s.object(func(name []byte) bool {
		key := string(name)
		known := false
		for _, m := range listMembers {
			if strings.EqualFold(key, m) {
				if key != m || seen[m] {
					return false
				}
				seen[m], known = true, true
			}
		}
		switch {
		case key == "data":
			if s.peek() != '[' {
				return false
			}
			data = s.array()
			return data
		case known:
			v, ok := s.value()
			return ok && json.Unmarshal(v, l.member(key)) == nil
		}
		v, ok := s.value()
		return ok && json.Valid(v)
	})
	return ok && data
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
