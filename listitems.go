package freddy

import (
	"encoding/json"
	"sync"
)

// splitItems is the smallest page decodeListItems decodes on two
// goroutines: below it a goroutine costs more than it saves.
const splitItems = 16

// decodeListItems decodes a list body as decodeWholeList does, from its
// scan (scanList): the items are decoded apart from the top level, the two
// halves of a large page on two goroutines. ListAll's loop waits for a
// page's decoding when the page arrives as the loop asks for it, and a free
// processor halves that wait. ok is false for a body the scan does not
// read, in which an item does not decode, or which decodeWholeList would
// refuse: the caller then reads it with decodeWholeList, whose errors are
// the ones a caller gets.
//
// It accepts exactly what decodeWholeList accepts and gives the same page:
// the scan checks the top level's structure and member names, and each
// value there is checked by encoding/json (the known members and the items
// decoded, any other member validated), so the body is valid JSON when ok
// is true, as json.Unmarshal requires; and the items decode as a JSON array
// of the body's own element texts, as they do inside the body.
// FuzzDecodeListItems holds it to that.
func decodeListItems(body []byte, sc *listScan, limit int) (*ConfigurationPage, bool) {
	if !sc.ok {
		return nil, false
	}
	top := &sc.top
	l := wireList[wireConfiguration]{
		Success: top.Success, Data: make([]wireConfiguration, len(sc.elems)),
		HasMore: top.HasMore, HasMoreSnake: top.HasMoreSnake,
		FirstID: top.FirstID, FirstIDSnake: top.FirstIDSnake,
		LastID: top.LastID, LastIDSnake: top.LastIDSnake,
	}
	if !decodeItems(body, sc.elems, l.Data) {
		return nil, false
	}
	itemDepth := 1
	if sc.bare {
		itemDepth = 0
	}
	p, derr := listPage(body, &l, 0, itemDepth, limit)
	return p, derr == nil
}

// decodeItems decodes the elements of body at elems into data, the second
// half on a goroutine of its own when there are splitItems or more; false
// if they do not decode.
func decodeItems(body []byte, elems []span, data []wireConfiguration) bool {
	if len(elems) < splitItems {
		return decodeRun(body, elems, data)
	}
	half := len(elems) / 2
	var wg sync.WaitGroup
	var secondOK bool
	wg.Go(func() { secondOK = decodeRun(body, elems[half:], data[half:]) })
	firstOK := decodeRun(body, elems[:half], data[:half])
	wg.Wait()
	return firstOK && secondOK
}

// decodeRun decodes a run of consecutive elements of body's data array
// into data, which it fills in place: each with the fast reader, else all
// in one json.Unmarshal of the array of their text (commas and spaces
// between them as they are in body).
func decodeRun(body []byte, elems []span, data []wireConfiguration) bool {
	if len(elems) == 0 || fastRun(body, elems, data) {
		return true
	}
	// What the fast reader does not read encoding/json reads, from a
	// fresh start.
	clear(data)
	from, to := elems[0].from, elems[len(elems)-1].to
	buf := runTexts.Get().(*[]byte)
	defer func() {
		// A run larger than a page of 100 is not kept: one huge page
		// would pin its buffer for the life of the process.
		if cap(*buf) <= maxRunText {
			runTexts.Put(buf)
		}
	}()
	text := append(append(append((*buf)[:0], '['), body[from:to]...), ']')
	*buf = text
	// encoding/json appends to a slice with room in place, and keeps
	// nothing of its input: the buffer is reused.
	run := data[:0:len(data)]
	if json.Unmarshal(text, &run) != nil || len(run) != len(data) {
		return false
	}
	return true
}

// fastRun reads each element of body at elems into data with the fast
// reader (objectfast.go); false if it does not read one of them.
func fastRun(body []byte, elems []span, data []wireConfiguration) bool {
	for k, e := range elems {
		s := jsonScan{b: body[:e.to], i: e.from}
		if s.peek() != '{' || !data[k].fast(&s) || s.i != e.to || s.deepest > maxScanDepth {
			return false
		}
	}
	return true
}

// runTexts are decodeRun's buffers: a page's runs are copied, not kept, and
// ListAll would otherwise add half a page of garbage per run.
var runTexts = sync.Pool{New: func() any { return new([]byte) }}

// maxRunText is the largest buffer runTexts keeps.
const maxRunText = 64 << 10
