package freddytest

import (
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heapRequests runs TestHeapStaysFlat for that many requests; 0 (the
// default) skips it, because it takes tens of seconds:
//
//	go test -run TestHeapStaysFlat -v ./freddytest -heap-requests 1000000
var heapRequests = flag.Int("heap-requests", 0, "run TestHeapStaysFlat over this many requests (e.g. 1000000)")

// TestHeapStaysFlat serves a long mixed workload on one server, with the
// default request log and idempotency window, and checks that the live
// heap after GC stays within 10 % of its value at the 100,000th request.
// Each request advances the server's clock by one second, so idempotency
// records start expiring at the 86,400th request, as they would a day into
// a run; the live population stays at about 50 configurations. Requests go
// straight to the handler, so the figures are the server's own state, not
// the sockets'.
func TestHeapStaysFlat(t *testing.T) {
	total := *heapRequests
	if total == 0 {
		t.Skip("slow; run with -heap-requests 1000000")
	}
	clock := newFakeClock()
	before := liveHeap()
	srv := Start(t, WithClock(func() time.Time { return clock.Now() }))
	h := srv.http.Handler
	send := func(method, path, body string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("X-API-Key", srv.APIKey)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		clock.Advance(time.Second)
		return rec
	}
	var live []string
	sent, cycle := 0, 0
	heap := map[int]uint64{}
	next := 100_000
	for sent < total {
		cycle++
		key := "idem-" + strconv.Itoa(cycle)
		body := `{"personalConnectorId":"pcon_github","name":"n` + strconv.Itoa(cycle) +
			`","credentials":{"token":"ghp_memory_` + strconv.Itoa(cycle) + `"},"configuration":{"repository":"aitronos/freddy-backend"}}`
		rec := send("POST", basePath, body, "Idempotency-Key", key)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var created struct {
			Data struct{ ID string } `json:"data"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &created))
		id := created.Data.ID
		live = append(live, id)
		send("POST", basePath, body, "Idempotency-Key", key) // the replay
		send("GET", basePath+"/"+id, "")
		send("GET", basePath+"?limit=20", "")
		send("PATCH", basePath+"/"+id, `{"metadata":{"cycle":`+strconv.Itoa(cycle)+`}}`)
		send("POST", basePath+"/"+id+"/toggle", `{"enabled":false}`)
		send("POST", basePath+"/"+id+"/test", "")
		send("GET", basePath+"?after="+id, "")
		n := 8
		if len(live) > 50 {
			send("DELETE", basePath+"/"+live[0], "")
			live = live[1:]
			n++
		}
		send("GET", basePath+"/pconf_missing", "")
		sent += n + 1
		if sent >= next {
			heap[next] = liveHeap()
			t.Logf("after %7d requests: live heap %6.2f MiB (%d bytes)", next, float64(heap[next])/(1<<20), heap[next])
			next += 100_000
		}
	}
	base := heap[100_000]
	t.Logf("live heap before the server started: %.2f MiB; the server's share at 100,000 requests: %.2f MiB",
		float64(before)/(1<<20), (float64(base)-float64(before))/(1<<20))
	for n := 200_000; n <= total; n += 100_000 {
		assert.InDelta(t, float64(base), float64(heap[n]), float64(base)/10, "heap at %d requests vs at 100,000", n)
	}
	if last := heap[total/100_000*100_000]; total >= 200_000 {
		t.Logf("growth from 100,000 to %d requests: %+.1f bytes/request (%+.1f%%)", total/100_000*100_000,
			(float64(last)-float64(base))/float64(total/100_000*100_000-100_000), 100*(float64(last)/float64(base)-1))
	}
	srv.mu.Lock()
	t.Logf("state at the end: %d configurations, %d idempotency records, %d logged requests, %d dropped",
		len(srv.records), len(srv.replays), len(srv.log.ring), srv.log.total-int64(len(srv.log.ring)))
	srv.mu.Unlock()
}

// liveHeap returns the heap in use after two collections.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
