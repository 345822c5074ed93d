package freddytest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	freddy "github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
)

// A FaultGatewayRateLimit holds only the call that got it: the Client's
// view of the window is not spent, its reset not moved to the 429's
// Retry-After, and the next call, paced, goes at once (the doc's way
// around a spent view). Over the real server and socket.
func TestFaultGatewayRateLimitDoesNotSpendTheView(t *testing.T) {
	srv := freddytest.Start(t)
	client, err := srv.Client(freddy.WithMaxRetries(0))
	require.NoError(t, err)
	ctx, list := context.Background(), freddy.ListConfigurationsParams{}
	_, err = client.Configurations.List(ctx, list)
	require.NoError(t, err)
	before := client.RateLimit()
	require.NotZero(t, before.Limit)

	srv.Inject(freddytest.Fault{Kind: freddytest.FaultGatewayRateLimit, RetryAfter: 30 * time.Minute})
	_, err = client.Configurations.List(ctx, list)
	var rl *freddy.RateLimitError
	require.True(t, errors.As(err, &rl))
	require.Equal(t, 429, rl.StatusCode)
	after := client.RateLimit()
	assert.Positive(t, after.Remaining, "the view is not spent")
	assert.True(t, after.ResetAt.Equal(before.ResetAt), "reset %v moved from %v", after.ResetAt, before.ResetAt)

	_, err = client.Configurations.List(ctx, list, freddy.WithTimeout(5*time.Second))
	require.NoError(t, err, "the next call is sent, not held for the gateway's 30 minutes")
	assert.Len(t, srv.Requests(), 3)
}
