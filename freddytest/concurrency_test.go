package freddytest

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentMix runs creates, lists, gets, updates, toggles, health
// checks and deletes from 32 goroutines at once, with faults and the
// accessors in between, for the race detector; then checks the books.
func TestConcurrentMix(t *testing.T) {
	srv, c := start(t, WithRateLimit(1_000_000, 0))
	const workers, rounds = 32, 8
	var created, removed atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				name := strconv.Itoa(w) + "-" + strconv.Itoa(i)
				r, err := c.try(http.MethodPost, basePath, `{"personalConnectorId":"pcon_github","name":"`+name+`","credentials":{"t":"x"}}`,
					"Idempotency-Key", name)
				if !assert.NoError(t, err) || !assert.Equal(t, http.StatusOK, r.status) {
					return
				}
				created.Add(1)
				id := r.body["data"].(map[string]any)["id"].(string)
				for _, req := range []struct {
					method, path, body string
				}{
					{http.MethodGet, basePath + "/" + id, ""},
					{http.MethodGet, basePath + "?limit=5&personalConnectorId=pcon_github", ""},
					{http.MethodPatch, basePath + "/" + id, `{"metadata":{"w":` + strconv.Itoa(w) + `}}`},
					{http.MethodPost, basePath + "/" + id + "/toggle", `{"enabled":false}`},
					{http.MethodPost, basePath + "/" + id + "/test", ""},
				} {
					r, err := c.try(req.method, req.path, req.body)
					if assert.NoError(t, err) {
						assert.Equal(t, http.StatusOK, r.status, "%s %s: %s", req.method, req.path, r.raw)
					}
				}
				srv.Configurations()
				if i == rounds-1 {
					srv.Requests() // a copy of everything: once is enough
				}
				srv.SetHealth(id, "unhealthy", "")
				if i%2 == 0 {
					r, err := c.try(http.MethodDelete, basePath+"/"+id, "")
					if assert.NoError(t, err) && assert.Equal(t, http.StatusOK, r.status) {
						removed.Add(1)
					}
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, int64(workers*rounds), created.Load())
	stored := srv.Configurations()
	assert.Len(t, stored, int(created.Load()-removed.Load()))
	for _, cfg := range stored {
		assert.False(t, cfg.Enabled)
		assert.Equal(t, "healthy", string(cfg.HealthStatus))
		assert.Contains(t, cfg.Metadata, "w")
	}
	total := workers*rounds*6 + workers*rounds/2
	assert.Len(t, srv.Requests(), min(total, DefaultRequestLog))
	assert.Equal(t, int64(total-min(total, DefaultRequestLog)), srv.DroppedRequests())
}
