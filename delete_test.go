package freddy

import (
	"context"
	"io"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A Delete whose response was lost and whose retry got 404 succeeds, and
// like every call that succeeds after retrying it puts back the retry
// tokens it took: the next call's retry is not refused by the budget.
func TestDeleteGoneAfterALostResponseRefundsItsRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(fail(io.ErrUnexpectedEOF), reply(404, fixture(t, "error_404_short.json")),
			fail(io.ErrUnexpectedEOF), reply(404, fixture(t, "error_404_short.json")))
		// 5 tokens: one retry's worth.
		c := newClient(t, rt, WithRetryBudget(5, 5))
		require.NoError(t, c.Configurations.Delete(context.Background(), "pconf_1"))
		assert.Equal(t, 5, c.core.policy.Budget.Tokens(), "the retry's tokens are back")
		require.NoError(t, c.Configurations.Delete(context.Background(), "pconf_2"), "the second Delete's retry was refused")
		assert.Len(t, rt.requests(), 4)
	})
}
