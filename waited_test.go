package freddy

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Waited is the time actually waited: a 429 asking 3s whose wait the caller
// cancels 200ms in has waited 200ms, and only one request went out.
func TestWaitedIsTheTimeActuallyWaited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(429, body429("3"), "Retry-After", "3"))
		obs := &recordingObserver{}
		c := newClient(t, rt, WithObserver(obs), WithRateLimitPacing(false))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := c.Configurations.Get(ctx, "pconf_1")
			done <- err
		}()
		synctest.Wait() // the call sleeps in its wait
		time.Sleep(200 * time.Millisecond)
		cancel()
		require.Error(t, <-done)
		require.Len(t, obs.results, 1)
		assert.Equal(t, 200*time.Millisecond, obs.results[0].Waited)
		assert.Len(t, rt.requests(), 1)
	})
}
