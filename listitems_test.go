package freddy

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listItemsBodies are pages decodeListItems reads itself: every documented
// shape but the envelope around a list object, in both spellings, and a
// page large enough to be decoded on two goroutines.
func listItemsBodies(t testing.TB) [][]byte {
	var bodies [][]byte
	for _, b := range listCursorBodies {
		bodies = append(bodies, []byte(b))
	}
	var items []string
	for i := range 2*splitItems + 1 {
		items = append(items, `{"id":"pconf_`+strconv.Itoa(i)+`","name":"n","configuration":{"k":[1,{"a":null}]},"credentials":{"token":"`+testCredential+`"},`+
			`"enabled":true,"apiKeyId":null,"api_key_id":"k","lastSyncAt":"2025-10-07T10:45:00Z","health_status":"healthy","metadata":{},"created_at":"2025-10-07T10:45:00Z"}`)
	}
	large := strings.Join(items, ",")
	bodies = append(bodies,
		[]byte(`{"object":"list","data":[`+large+`],"firstId":"pconf_0","hasMore":true}`),
		[]byte(`{"success":true,"data":[`+large+`],"has_more":false,"first_id":"f","last_id":"l","extra":[1,"x",{"y":true}]}`),
		[]byte("\n["+large+"]\n"),
		[]byte(`{"data":[]}`), []byte(`[]`),
		fixture(t, "list_200.json"))
	return bodies
}

// listItemsRefused are bodies decodeListItems leaves to decodeWholeList:
// those listCursor does not read, an item that does not decode, a member
// that is not valid JSON, a control character in a name, nesting too deep
// to be sure encoding/json would take it inside the body.
var listItemsRefused = append(append([]string{}, listCursorRefused...),
	`{"data":[{"id":"a"},{"id":"b","enabled":"yes"}]}`,
	`{"data":[{"id":"a"},{"id":"b"},"c"]}`,
	`{"data":[{"id":"a"}],"object":tru}`,
	`{"data":[{"id":"a"}],"object":"li`+"\x01"+`st"}`,
	`{"data":[{"id":"a"}],"ob`+"\x01"+`ject":"list"}`,
	`{"data":[{"id":"a","x":`+strings.Repeat("[", maxScanDepth+1)+strings.Repeat("]", maxScanDepth+1)+`}]}`,
	`{"data":[{"id":"a"},{"id":""}]}`,
	`{"data":[{"id":"a"},null]}`,
)

// TestDecodeListItemsAgreesWithWholeList: every page decodeListItems reads
// is the one decodeWholeList reads, RawJSON included.
func TestDecodeListItemsAgreesWithWholeList(t *testing.T) {
	for _, body := range listItemsBodies(t) {
		for _, limit := range []int{2, 20, 100} {
			got, ok := decodeListItems(body, scanList(body), limit)
			require.True(t, ok, "%s", body)
			want, derr := decodeWholeList(body, limit)
			require.Nil(t, derr, "%s", body)
			assert.Equal(t, want, got, "%s", body)
			for i := range want.Data {
				assert.Equal(t, want.Data[i].RawJSON(), got.Data[i].RawJSON())
			}
		}
	}
}

// TestDecodeListItemsLeavesTheRestToWholeList: a body decodeListItems does
// not read gets decodeWholeList's page or error from decodeList.
func TestDecodeListItemsLeavesTheRestToWholeList(t *testing.T) {
	for _, body := range listItemsRefused {
		_, ok := decodeListItems([]byte(body), scanList([]byte(body)), 2)
		assert.False(t, ok, body)
		got, gotErr := decodeList([]byte(body), 2)
		want, wantErr := decodeWholeList([]byte(body), 2)
		assert.Equal(t, want, got, body)
		assert.Equal(t, wantErr, gotErr, body)
	}
	_, derr := decodeList([]byte(`{"data":[{"id":"a"},{"id":"b","enabled":"yes"}]}`), 2)
	require.NotNil(t, derr)
	assert.Equal(t, "response does not match the documented schema", derr.Reason)
}

// FuzzDecodeListItems: decodeListItems reads a body only if decodeWholeList
// accepts it, and then reads the same page.
func FuzzDecodeListItems(f *testing.F) {
	seedBodies(f, func(b []byte) { f.Add(b, 20) })
	for _, b := range listItemsBodies(f) {
		f.Add(b, 2)
	}
	for _, s := range listItemsRefused {
		f.Add([]byte(s), 2)
	}
	f.Fuzz(func(t *testing.T, body []byte, limit int) {
		b := bytes.Clone(body)
		got, ok := decodeListItems(b, scanList(b), limit)
		if !ok {
			return
		}
		want, derr := decodeWholeList(bytes.Clone(body), limit)
		if derr != nil {
			t.Fatalf("decodeListItems read a body decodeWholeList refuses (%v): %q", derr, body)
		}
		if !assert.Equal(t, want, got) {
			t.Fatalf("body %q", body)
		}
	})
}

// TestDecodeListItemsKeepsNothingOfItsBuffers: the buffers the runs are
// copied into are reused; a page decoded before holds none of them.
func TestDecodeListItemsKeepsNothingOfItsBuffers(t *testing.T) {
	page := func(name string) []byte {
		var items []string
		for i := range 2 * splitItems {
			items = append(items, `{"id":"`+name+strconv.Itoa(i)+`","name":"`+name+`","configuration":{"`+name+`":"`+name+`"},"metadata":{"k":["`+name+`"]}}`)
		}
		return []byte(`{"data":[` + strings.Join(items, ",") + `]}`)
	}
	first := page("aaaa")
	got, ok := decodeListItems(first, scanList(first), 100)
	require.True(t, ok)
	for range 10 {
		other := page("zzzz")
		_, ok := decodeListItems(other, scanList(other), 100)
		require.True(t, ok)
	}
	want, derr := decodeWholeList(first, 100)
	require.Nil(t, derr)
	assert.Equal(t, want, got)
}

// TestListItemsReadByTheFastReader: the documented list page's items are
// read by the fast reader, and an item it does not read sends the whole run
// to encoding/json, which reads the same items.
func TestListItemsReadByTheFastReader(t *testing.T) {
	body := fixture(t, "list_200.json")
	sc := scanList(body)
	require.True(t, sc.ok)
	require.NotEmpty(t, sc.elems)
	fast := make([]wireConfiguration, len(sc.elems))
	require.True(t, fastRun(body, sc.elems, fast))
	var want wireList[wireConfiguration]
	require.NoError(t, json.Unmarshal(body, &want))
	assert.Equal(t, want.Data, fast)

	folded := []byte(`[{"id":"a","name":"x"},{"ID":"b","Name":"y"}]`)
	sc = scanList(folded)
	data := make([]wireConfiguration, 2)
	assert.False(t, fastRun(folded, sc.elems, data))
	require.True(t, decodeRun(folded, sc.elems, data))
	assert.Equal(t, []wireConfiguration{{ID: "a", Name: "x"}, {ID: "b", Name: "y"}}, data)
}
