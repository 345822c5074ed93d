package freddy

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Over a real socket and the SDK's own transport: attempts that never
// reach the server (the header guard refused them, a middleware never
// called next) spend nothing of the Client's view of the window.
func TestSocketUnsentAttemptsSpendNothing(t *testing.T) {
	rec := newRecorder(t, answer(200, fixture(t, "create_200.json"), "Content-Type", "application/json",
		"X-Ratelimit-Limit-Requests", "3", "X-Ratelimit-Remaining-Requests", "2", "X-Ratelimit-Reset-Requests", "1h"))
	c := rec.client(t, WithMaxRetries(0))
	ctx := context.Background()
	_, err := c.Configurations.Get(ctx, "pconf_1")
	require.NoError(t, err)
	require.Equal(t, 2, c.RateLimit().Remaining)
	changesKey := WithMiddleware(func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		r.Header.Set("X-Api-Key", "another")
		return next(r)
	})
	noNext := WithMiddleware(func(*http.Request, MiddlewareNext) (*http.Response, error) {
		return nil, errors.New("circuit open")
	})
	for range 3 {
		_, err = c.Configurations.Get(ctx, "pconf_1", changesKey)
		var hc *HeaderChangedError
		require.ErrorAs(t, err, &hc)
		_, err = c.Configurations.Get(ctx, "pconf_1", noNext)
		require.ErrorContains(t, err, "circuit open")
	}
	assert.Equal(t, 2, c.RateLimit().Remaining, "six attempts not sent spent nothing")
	assert.Len(t, rec.all(), 1)
}
