package freddytest

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIdempotencyReplay(t *testing.T) {
	clock := newFakeClock()
	srv, c := start(t, WithClock(clock.Now))
	first := c.do(http.MethodPost, basePath, validBody, "Idempotency-Key", "k1")
	require.Equal(t, http.StatusOK, first.status)
	clock.Advance(time.Hour)
	again := c.do(http.MethodPost, basePath, validBody, "Idempotency-Key", "k1")
	require.Equal(t, http.StatusOK, again.status)
	assert.Equal(t, first.raw, again.raw, "byte for byte, created_at included")
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	assert.Empty(t, first.header.Get("Idempotent-Replayed"))
	assert.NotEqual(t, first.header.Get("X-Request-Id"), again.header.Get("X-Request-Id"), "each response has its own request ID")
	assertCommonHeaders(t, again)
	assert.Len(t, srv.Configurations(), 1)

	// A replay outlives the configuration it created.
	id := first.body["data"].(map[string]any)["id"].(string)
	require.Equal(t, http.StatusOK, c.do(http.MethodDelete, basePath+"/"+id, "").status)
	assert.Equal(t, first.raw, c.do(http.MethodPost, basePath, validBody, "Idempotency-Key", "k1").raw)
	assert.Empty(t, srv.Configurations())
}

func TestIdempotencyConflict(t *testing.T) {
	srv, c := start(t)
	c.do(http.MethodPost, basePath, validBody, "Idempotency-Key", "k1")
	r := c.do(http.MethodPost, basePath, strings.Replace(validBody, "My GitHub", "Other", 1), "Idempotency-Key", "k1")
	e := errorOf(t, r, http.StatusConflict, "IDEMPOTENCY_KEY_REUSED")
	assert.Equal(t, "idempotency_error", e["type"])
	assert.Equal(t, map[string]any{"idempotency_key": "k1"}, e["details"])
	assert.Empty(t, r.header.Get("Idempotent-Replayed"))
	assert.Len(t, srv.Configurations(), 1)
}

func TestIdempotencyScope(t *testing.T) {
	srv, c := start(t, WithAPIKeys("fk_a", "fk_b"))
	a := c.do(http.MethodPost, basePath, validBody, "Idempotency-Key", "k", "X-API-Key", "fk_a")
	b := c.do(http.MethodPost, basePath, validBody, "Idempotency-Key", "k", "X-API-Key", "fk_b")
	assert.NotEqual(t, a.raw, b.raw, "one key, two API keys: two configurations")
	assert.Empty(t, b.header.Get("Idempotent-Replayed"))
	c.do(http.MethodPost, basePath, validBody, "Idempotency-Key", "other")
	c.do(http.MethodPost, basePath, validBody)
	c.do(http.MethodPost, basePath, validBody)
	assert.Len(t, srv.Configurations(), 5, "a new key or no key creates")
}

func TestIdempotencyOnlySuccessIsRecorded(t *testing.T) {
	srv, c := start(t)
	r := c.do(http.MethodPost, basePath, `{"name":"n"}`, "Idempotency-Key", "k")
	require.Equal(t, http.StatusBadRequest, r.status)
	r = c.do(http.MethodPost, basePath, validBody, "Idempotency-Key", "k")
	require.Equal(t, http.StatusOK, r.status, "the corrected body is accepted under the same key")
	assert.Empty(t, r.header.Get("Idempotent-Replayed"))
	assert.Len(t, srv.Configurations(), 1)
}

func TestIdempotencyConcurrent(t *testing.T) {
	srv, c := start(t)
	const n = 50
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := c.try(http.MethodPost, basePath, validBody, "Idempotency-Key", "same")
			assert.NoError(t, err)
			results[i] = r
		})
	}
	wg.Wait()
	require.Len(t, srv.Configurations(), 1)
	replayed := 0
	for _, r := range results {
		assert.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, results[0].raw, r.raw)
		if r.header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	assert.Equal(t, n-1, replayed)
}
