package freddytest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listIDs fetches one page and returns its IDs and the page.
func listIDs(t *testing.T, c *caller, query string) ([]string, map[string]any) {
	t.Helper()
	r := c.do(http.MethodGet, basePath+query, "")
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	assertCommonHeaders(t, r)
	assert.Equal(t, []string{"data", "firstId", "hasMore", "lastId", "object"}, keys(r.body), "bare camelCase list")
	assert.Equal(t, "list", r.body["object"])
	data := r.body["data"].([]any)
	ids := make([]string, len(data))
	for i, item := range data {
		obj := item.(map[string]any)
		assert.Equal(t, objectKeys, keys(obj), "items are camelCase throughout")
		assert.Equal(t, "***REDACTED***", obj["credentials"])
		ids[i] = obj["id"].(string)
	}
	if len(ids) > 0 {
		assert.Equal(t, ids[0], r.body["firstId"])
		assert.Equal(t, ids[len(ids)-1], r.body["lastId"])
	} else {
		assert.Nil(t, r.body["firstId"])
		assert.Nil(t, r.body["lastId"])
	}
	return ids, r.body
}

func TestListEmpty(t *testing.T) {
	_, c := start(t)
	ids, page := listIDs(t, c, "")
	assert.Empty(t, ids)
	assert.Equal(t, false, page["hasMore"])
	r := c.do(http.MethodGet, basePath, "")
	assert.JSONEq(t, `{"object":"list","data":[],"firstId":null,"lastId":null,"hasMore":false}`, string(r.raw))
}

func TestListPagination(t *testing.T) {
	_, c := start(t)
	want := c.createN(45)

	ids, page := listIDs(t, c, "")
	assert.Equal(t, want[:20], ids, "default limit 20, oldest first")
	assert.Equal(t, true, page["hasMore"])

	var got []string
	after := ""
	for pages := 1; ; pages++ {
		q := "?limit=10"
		if after != "" {
			q += "&after=" + url.QueryEscape(after)
		}
		ids, page := listIDs(t, c, q)
		got = append(got, ids...)
		if page["hasMore"] == false {
			assert.Equal(t, 5, pages)
			assert.Len(t, ids, 5)
			break
		}
		require.Len(t, ids, 10)
		after = page["lastId"].(string)
	}
	assert.Equal(t, want, got)

	ids, page = listIDs(t, c, "?limit=100")
	assert.Equal(t, want, ids)
	assert.Equal(t, false, page["hasMore"])

	ids, page = listIDs(t, c, "?limit=5&after="+want[39])
	assert.Equal(t, want[40:], ids)
	assert.Equal(t, false, page["hasMore"], "exactly the last five: nothing more")

	ids, page = listIDs(t, c, "?after="+want[44])
	assert.Empty(t, ids)
	assert.Equal(t, false, page["hasMore"])

	ids, _ = listIDs(t, c, "?limit=1&unknown=x&limit=50")
	assert.Len(t, ids, 1, "the first value counts; unknown parameters are ignored")
}

func TestListFilters(t *testing.T) {
	srv, c := start(t)
	var github, clickup []string
	for i := range 6 {
		connector := "pcon_github"
		if i%2 == 1 {
			connector = "pcon_clickup"
		}
		id := c.create(`{"personalConnectorId":"` + connector + `","name":"n` + strconv.Itoa(i) + `","credentials":{"t":"x"},"enabled":` + strconv.FormatBool(i < 4) + `}`)["id"].(string)
		if connector == "pcon_github" {
			github = append(github, id)
		} else {
			clickup = append(clickup, id)
		}
	}
	// github: i = 0, 2, 4; clickup: i = 1, 3, 5; the last of each is disabled.
	require.True(t, srv.SetHealth(github[0], "unhealthy", ""))
	c.do(http.MethodPost, basePath+"/"+github[0]+"/test", "")
	c.do(http.MethodPost, basePath+"/"+clickup[0]+"/test", "")

	ids, _ := listIDs(t, c, "?personalConnectorId=pcon_github")
	assert.Equal(t, github, ids)
	ids, _ = listIDs(t, c, "?personalConnectorId=pcon_clickup&enabled=true")
	assert.Equal(t, clickup[:2], ids)
	ids, _ = listIDs(t, c, "?enabled=false")
	assert.Equal(t, []string{github[2], clickup[2]}, ids)
	ids, _ = listIDs(t, c, "?healthStatus=unhealthy")
	assert.Equal(t, github[:1], ids)
	ids, _ = listIDs(t, c, "?healthStatus=healthy")
	assert.Equal(t, clickup[:1], ids)
	ids, _ = listIDs(t, c, "?healthStatus=unknown&personalConnectorId=pcon_github")
	assert.Equal(t, github[1:], ids)
	ids, _ = listIDs(t, c, "?personalConnectorId=pcon_none")
	assert.Empty(t, ids)
	ids, _ = listIDs(t, c, "?enabled=&healthStatus=&limit=&after=&personalConnectorId=")
	assert.Len(t, ids, 6, "empty values are absent")

	// The cursor is a position in creation order, even when the item it
	// names does not match the filter.
	ids, page := listIDs(t, c, "?personalConnectorId=pcon_github&limit=1&after="+clickup[0])
	assert.Equal(t, github[1:2], ids)
	assert.Equal(t, true, page["hasMore"])
}

func TestListValidation(t *testing.T) {
	srv, _ := start(t)
	for query, fields := range map[string]map[string]any{
		"?limit=0":             {"limit": "must be an integer from 1 to 100"},
		"?limit=101":           {"limit": "must be an integer from 1 to 100"},
		"?limit=ten":           {"limit": "must be an integer from 1 to 100"},
		"?limit=-1":            {"limit": "must be an integer from 1 to 100"},
		"?enabled=yes":         {"enabled": `must be "true" or "false"`},
		"?enabled=TRUE":        {"enabled": `must be "true" or "false"`},
		"?healthStatus=broken": {"healthStatus": `must be "healthy", "unhealthy" or "unknown"`},
		"?after=pconf_nope":    {"after": "must be the ID of a configuration created on this server"},
		"?limit=0&enabled=1&healthStatus=x&after=y": {
			"limit": "must be an integer from 1 to 100", "enabled": `must be "true" or "false"`,
			"healthStatus": `must be "healthy", "unhealthy" or "unknown"`, "after": "must be the ID of a configuration created on this server",
		},
	} {
		r := newCaller(t, srv).do(http.MethodGet, basePath+query, "")
		assert.Equal(t, fields, fieldsOf(t, r), query)
	}
}

// TestListAfterADeletedItem: a cursor naming an item deleted since still
// pages on, so a loop that deletes what it lists sees everything.
func TestListAfterADeletedItem(t *testing.T) {
	srv, c := start(t)
	ids := c.createN(5)
	c.do(http.MethodDelete, basePath+"/"+ids[1], "")
	r := newCaller(t, srv).do(http.MethodGet, basePath+"?after="+ids[1], "")
	require.Equal(t, http.StatusOK, r.status)
	var page struct{ Data []struct{ ID string } }
	require.NoError(t, json.Unmarshal(r.raw, &page))
	require.Len(t, page.Data, 3)
	assert.Equal(t, ids[2], page.Data[0].ID)
}
