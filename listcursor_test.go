package freddy

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listCursorBodies are pages listCursor reads, in every shape decodeList
// reads its cursor from (limit 2).
var listCursorBodies = []string{
	`{"object":"list","data":[{"id":"a","name":"x"},{"id":"b","configuration":{"k":["]","}",{"x":"\"}"}]}}],"firstId":"a","lastId":"b","hasMore":true}`,
	`{"data":[{"id":"a"},{"id":"b"}],"has_more":true,"last_id":"b"}`,
	` { "hasMore" : true , "lastId" : "b" , "data" : [ {"id":"a"} , {"id":"b"} ] } `,
	`{"data":[{"id":"a"},{"id":"b"}],"hasMore":false,"lastId":"b"}`,
	`{"data":[{"id":"a"},{"id":"b"}]}`,                // full page, no hasMore: more
	`{"data":[{"id":"a"}]}`,                           // short page: no more
	`{"data":[{"id":"a"},{"id":"b"}],"hasMore":true}`, // cursor from the last item
	`{"data":[{"id":"a"},{"id":"b"}],"lastId":null,"last_id":"z","hasMore":true}`,
	`{"data":[{"id":"a"},{"id":"b"}],"hasMore":null,"has_more":true,"lastId":"b"}`,
	`{"success":true,"data":[{"id":"a"},{"id":"b"}],"hasMore":true,"lastId":"b","unknown":{"data":[1]}}`,
	`{"data":[],"hasMore":true,"lastId":"b"}`,
	`[{"id":"a"},{"id":"b"}]`,
	`[{"id":"a","name":"\\"}]`,
	`{"data":[{"id":"a"},{"id":"b\u00e9"}],"hasMore":true}`,
}

// listCursorRefused are bodies listCursor leaves to decodeList.
var listCursorRefused = []string{
	`{"success":true,"data":{"object":"list","data":[{"id":"a"},{"id":"b"}],"hasMore":true,"lastId":"b"}}`, // envelope
	`{"data":[{"id":"a"},{"id":"b"}],"HasMore":true,"lastId":"b"}`,                                         // another case
	`{"data":[{"id":"a"},{"id":"b"}],"hasMore":true,"last\u0049d":"b"}`,                                    // escaped name
	`{"data":[{"id":"a"},{"id":"b"}],"hasMore":true,"lastId":"b","lastId":"c"}`,                            // repeated
	`{"data":[{"id":"a"},{"id":"b"}],"hasMore":true,"lastId":"b"} x`,                                       // trailing text
	`{"data":[{"id":"a"},{"id":"b"}],"hasMore":true,"lastId":"b"`,                                          // cut short
	`{"success":false,"data":[{"id":"a"},{"id":"b"}],"hasMore":true,"lastId":"b"}`,
	`{"data":null,"hasMore":true,"lastId":"b"}`,
	`{"data":[{"id":"a"},{"id":"b"}],"hasMore":"yes","lastId":"b"}`,
	`{"data":[{"id":"a"},{"name":"b"}],"hasMore":true}`, // no cursor at all
	``, `null`, `{}`,
}

// TestListCursorAgreesWithDecodeList: the cursor and the next-page verdict
// ListAll sends the next request on are decodeList's.
func TestListCursorAgreesWithDecodeList(t *testing.T) {
	for _, body := range listCursorBodies {
		cursor, next, ok := listCursor([]byte(body), 2)
		page, derr := decodeWholeList([]byte(body), 2)
		require.Nil(t, derr, body)
		if !page.HasMore || len(page.Data) == 0 {
			assert.False(t, next, body)
			continue
		}
		assert.True(t, ok && next, body)
		assert.Equal(t, page.LastID, cursor, body)
	}
	for _, body := range listCursorRefused {
		_, _, ok := listCursor([]byte(body), 2)
		assert.False(t, ok, body)
	}
}

// FuzzListCursor: whenever listCursor reads a next page from a body
// decodeList accepts, decodeList reads the same.
func FuzzListCursor(f *testing.F) {
	seedBodies(f, func(b []byte) { f.Add(b, 20) })
	for _, s := range append(listCursorBodies, listCursorRefused...) {
		f.Add([]byte(s), 2)
	}
	f.Fuzz(func(t *testing.T, body []byte, limit int) {
		cursor, next, ok := listCursor(body, limit)
		page, derr := decodeWholeList(bytes.Clone(body), limit)
		if !ok || derr != nil {
			// Refused, or items decodeList refuses: the next request,
			// if sent, is stopped when the page fails.
			return
		}
		if want := page.HasMore && len(page.Data) > 0; next != want || (next && cursor != page.LastID) {
			t.Fatalf("listCursor %q %v, decodeList %q %v", cursor, next, page.LastID, want)
		}
	})
}
