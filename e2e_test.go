package freddy_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
)

// End to end: the real client against freddytest over loopback, through the
// public API only, as a user's tests would run it.

const e2eToken = "ghp_E2ESECRETTOKEN_abcdefghij"

func e2eParams() freddy.CreateConfigurationParams {
	return freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "My GitHub Account",
		Credentials:         freddy.BearerCredentials(e2eToken),
		Configuration:       map[string]any{"repository": "aitronos/freddy-backend"},
	}
}

func e2eClient(t *testing.T, srv *freddytest.Server, opts ...freddy.Option) *freddy.Client {
	t.Helper()
	c, err := srv.Client(opts...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestE2EHappyPath(t *testing.T) {
	srv := freddytest.Start(t)
	c := e2eClient(t, srv)
	p := e2eParams()
	p.Description = "work account"
	p.Metadata = map[string]any{"team": "platform"}
	p.Enabled = freddy.Bool(false)
	got, err := c.Configurations.Create(context.Background(), p)
	require.NoError(t, err)
	assert.Regexp(t, `^pconf_`, got.ID)
	assert.Equal(t, "personal_connector.configuration", got.Object)
	assert.Equal(t, "***REDACTED***", got.Credentials)
	assert.False(t, got.Enabled)
	assert.Equal(t, freddy.HealthStatusUnknown, got.HealthStatus)
	assert.Equal(t, "work account", *got.Description)
	assert.NotEmpty(t, got.OrganizationID)
	assert.WithinDuration(t, time.Now(), got.CreatedAt, time.Minute)
	stored := srv.Configurations()
	require.Len(t, stored, 1)
	assert.Equal(t, got.ID, stored[0].ID)
	req := srv.Requests()[0]
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, srv.APIKey, req.Header.Get("X-API-Key"))
	assert.Contains(t, string(req.Body), e2eToken, "the credentials reach the server")
}

func TestE2EErrorTypes(t *testing.T) {
	srv := freddytest.Start(t, freddytest.WithForbiddenConnectors("pcon_admin"))
	c := e2eClient(t, srv)
	ctx := context.Background()
	cfg, err := c.Configurations.Create(ctx, e2eParams())
	require.NoError(t, err)

	t.Run("401 wrong key", func(t *testing.T) {
		_, err := e2eClient(t, srv, freddy.WithAPIKey("fk_wrong_key_000000")).Configurations.Get(ctx, cfg.ID)
		var ae *freddy.AuthenticationError
		require.ErrorAs(t, err, &ae)
		assert.Regexp(t, `^req_`, ae.TraceID)
	})
	t.Run("403 forbidden connector", func(t *testing.T) {
		p := e2eParams()
		p.PersonalConnectorID = "pcon_admin"
		_, err := c.Configurations.Create(ctx, p)
		var ae *freddy.AuthorizationError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "FORBIDDEN", ae.Code)
	})
	t.Run("400 credentials the server cannot validate", func(t *testing.T) {
		_, err := c.Configurations.Update(ctx, cfg.ID, freddy.UpdateConfigurationParams{Credentials: freddy.BearerCredentials("ghp_INVALIDTOKEN")})
		var ve *freddy.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "invalid_credentials", ve.Code)
	})
	t.Run("404 short body", func(t *testing.T) {
		_, err := c.Configurations.Get(ctx, "pconf_missing")
		var nf *freddy.NotFoundError
		require.ErrorAs(t, err, &nf)
		assert.Equal(t, "configuration_not_found", nf.Code)
		assert.Regexp(t, `^req_`, nf.TraceID, "the trace id falls back to x-request-id")
	})
	t.Run("409 idempotency key reused with another body", func(t *testing.T) {
		_, err := c.Configurations.Create(ctx, e2eParams(), freddy.WithIdempotencyKey("order-1"))
		require.NoError(t, err)
		other := e2eParams()
		other.Name = "Another name"
		_, err = c.Configurations.Create(ctx, other, freddy.WithIdempotencyKey("order-1"))
		var ce *freddy.ConflictError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "IDEMPOTENCY_KEY_REUSED", ce.Code)
		assert.Equal(t, "order-1", ce.IdempotencyKey)
	})
	for _, tc := range []struct {
		name  string
		fault freddytest.FaultKind
		check func(t *testing.T, err error)
	}{
		{"500 until retries run out", freddytest.FaultServerError, func(t *testing.T, err error) {
			var se *freddy.ServerError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, 3, se.Attempts)
			assert.Contains(t, err.Error(), "(3 attempts, trace_id req_")
		}},
		{"HTML 502 until retries run out", freddytest.FaultBadGatewayHTML, func(t *testing.T, err error) {
			var se *freddy.ServerError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, 502, se.StatusCode)
			assert.Contains(t, err.Error(), "<html>")
		}},
		{"dropped connections until retries run out", freddytest.FaultDrop, func(t *testing.T, err error) {
			var re *freddy.RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 3, re.Attempts)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := freddytest.Start(t)
			srv.Inject(freddytest.Repeat(freddytest.Fault{Kind: tc.fault}, 3)...)
			_, err := e2eClient(t, srv).Configurations.Create(ctx, e2eParams())
			tc.check(t, err)
			assert.Len(t, srv.Requests(), 3)
			assert.Empty(t, srv.Configurations())
		})
	}
	// Unpaced, the third call is sent and its 429 comes back at once; paced,
	// the first two responses said the window is spent for an hour, and the
	// third is refused unsent.
	for _, tc := range []struct {
		name     string
		opts     []freddy.Option
		attempts int
	}{
		{"429 longer than the max wait comes back at once", []freddy.Option{freddy.WithRateLimitPacing(false)}, 1},
		{"paced: a spent window longer than the max wait refuses the call unsent", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := freddytest.Start(t, freddytest.WithRateLimit(2, time.Hour))
			c := e2eClient(t, srv, tc.opts...)
			for range 2 {
				_, err := c.Configurations.Create(ctx, e2eParams())
				require.NoError(t, err)
			}
			var resp freddy.Response
			_, err := c.Configurations.Create(ctx, e2eParams(), freddy.WithResponseInto(&resp))
			var rl *freddy.RateLimitError
			require.ErrorAs(t, err, &rl)
			require.ErrorIs(t, err, freddy.ErrRateLimited)
			assert.InDelta(t, time.Hour.Seconds(), rl.RetryAfter.Seconds(), 2)
			assert.Equal(t, 2, rl.Limit)
			assert.Equal(t, 0, rl.Remaining)
			assert.WithinDuration(t, time.Now().Add(time.Hour), rl.ResetAt, 2*time.Second)
			assert.Equal(t, tc.attempts, resp.Attempts)
			assert.Len(t, srv.Requests(), 2+tc.attempts)
			assert.Len(t, srv.Configurations(), 2)
			if tc.attempts == 0 {
				assert.Contains(t, err.Error(), "request not sent")
			}
		})
	}
}

// TestE2EEveryFaultCostsAnAttemptAndCreatesExactlyOne: whatever goes wrong
// on the first two attempts, the third succeeds and exactly one
// configuration exists, all attempts carrying one key.
func TestE2EEveryFaultCostsAnAttemptAndCreatesExactlyOne(t *testing.T) {
	faults := []freddytest.Fault{
		{Kind: freddytest.FaultServerError},
		{Kind: freddytest.FaultBadGatewayHTML},
		{Kind: freddytest.FaultRateLimit, RetryAfter: 50 * time.Millisecond},
		{Kind: freddytest.FaultDrop},
		{Kind: freddytest.FaultDropAfterCommit},
		{Kind: freddytest.FaultStall},
		{Kind: freddytest.FaultStallBody},
		{Kind: freddytest.FaultTruncate},
	}
	for _, f := range faults {
		t.Run(f.Kind.String(), func(t *testing.T) {
			// Each fault has its own server and Client; run together, the
			// stalls and the 429's wait overlap instead of adding up.
			t.Parallel()
			srv := freddytest.Start(t)
			srv.Inject(f, f)
			// Only a stall needs the attempt timeout to end it; the
			// successful third attempt must not race it, which a 300ms
			// timeout for every fault lost once in 20 runs under load.
			var opts []freddy.Option
			if f.Kind == freddytest.FaultStall || f.Kind == freddytest.FaultStallBody {
				opts = append(opts, freddy.WithTimeout(time.Second))
			}
			c := e2eClient(t, srv, opts...)
			got, err := c.Configurations.Create(context.Background(), e2eParams())
			require.NoError(t, err)
			reqs := srv.Requests()
			require.Len(t, reqs, 3)
			stored := srv.Configurations()
			require.Len(t, stored, 1, "exactly one configuration after three attempts")
			assert.Equal(t, stored[0].ID, got.ID)
			for _, r := range reqs {
				assert.Equal(t, reqs[0].Header.Get("Idempotency-Key"), r.Header.Get("Idempotency-Key"))
				assert.Equal(t, reqs[0].Body, r.Body)
			}
		})
	}
}

func TestE2EConcurrentRetriesUnderFaults(t *testing.T) {
	srv := freddytest.Start(t)
	srv.Inject(freddytest.Repeat(freddytest.Fault{Kind: freddytest.FaultDropAfterCommit}, 10)...)
	srv.Inject(freddytest.Repeat(freddytest.Fault{Kind: freddytest.FaultServerError}, 10)...)
	c := e2eClient(t, srv, freddy.WithMaxRetries(5))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := c.Configurations.Create(context.Background(), e2eParams())
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Len(t, srv.Configurations(), 20, "one configuration per call, none duplicated by retries")
}

func TestE2ELifecycle(t *testing.T) {
	srv := freddytest.Start(t)
	c := e2eClient(t, srv)
	ctx := context.Background()
	var ids []string
	for i := range 45 {
		p := e2eParams()
		if i%3 == 0 {
			p.PersonalConnectorID = "pcon_clickup"
			p.Credentials = freddy.APIKeyCredentials("pk_" + strings.Repeat("x", i+4))
		}
		cfg, err := c.Configurations.Create(ctx, p)
		require.NoError(t, err)
		ids = append(ids, cfg.ID)
	}

	t.Run("pages and filters", func(t *testing.T) {
		page, err := c.Configurations.List(ctx, freddy.ListConfigurationsParams{Limit: 10})
		require.NoError(t, err)
		assert.Len(t, page.Data, 10)
		assert.True(t, page.HasMore)
		assert.Equal(t, ids[0], page.FirstID)
		assert.Equal(t, ids[9], page.LastID)
		next, err := c.Configurations.List(ctx, freddy.ListConfigurationsParams{Limit: 10, After: page.LastID})
		require.NoError(t, err)
		assert.Equal(t, ids[10], next.Data[0].ID)

		var all []string
		for cfg, err := range c.Configurations.ListAll(ctx, freddy.ListConfigurationsParams{Limit: 7}) {
			require.NoError(t, err)
			all = append(all, cfg.ID)
		}
		assert.Equal(t, ids, all, "every configuration once, oldest first")
		n := 0
		for cfg, err := range c.Configurations.ListAll(ctx, freddy.ListConfigurationsParams{PersonalConnectorID: "pcon_clickup"}) {
			require.NoError(t, err)
			assert.Equal(t, "pcon_clickup", cfg.PersonalConnectorID)
			n++
		}
		assert.Equal(t, 15, n)
	})
	id := ids[1]
	t.Run("update merges", func(t *testing.T) {
		got, err := c.Configurations.Update(ctx, id, freddy.UpdateConfigurationParams{
			Name: freddy.String("Renamed"), Configuration: map[string]any{"branch": "dev"}, Metadata: map[string]any{"team": "a"}})
		require.NoError(t, err)
		assert.Equal(t, "Renamed", got.Name)
		assert.Equal(t, map[string]any{"repository": "aitronos/freddy-backend", "branch": "dev"}, got.Configuration)
		assert.Equal(t, map[string]any{"team": "a"}, got.Metadata)
		again, err := c.Configurations.Get(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, got.Configuration, again.Configuration)
		assert.True(t, again.UpdatedAt.After(again.CreatedAt) || again.UpdatedAt.Equal(again.CreatedAt))
	})
	t.Run("disable, filter, enable", func(t *testing.T) {
		got, err := c.Configurations.SetEnabled(ctx, id, false)
		require.NoError(t, err)
		assert.False(t, got.Enabled)
		page, err := c.Configurations.List(ctx, freddy.ListConfigurationsParams{Enabled: freddy.Bool(false)})
		require.NoError(t, err)
		require.Len(t, page.Data, 1)
		assert.Equal(t, id, page.Data[0].ID)
		got, err = c.Configurations.SetEnabled(ctx, id, true)
		require.NoError(t, err)
		assert.True(t, got.Enabled)
	})
	t.Run("health checks", func(t *testing.T) {
		res, err := c.Configurations.Test(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, freddy.HealthStatusHealthy, res.Status)
		require.True(t, srv.SetHealth(id, freddy.HealthStatusUnhealthy, "Authentication failed. Invalid API key."))
		res, err = c.Configurations.Test(ctx, id)
		require.NoError(t, err, "unhealthy is a result, not an error")
		assert.Equal(t, freddy.HealthStatusUnhealthy, res.Status)
		got, err := c.Configurations.Get(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, freddy.HealthStatusUnhealthy, got.HealthStatus)
		require.NotNil(t, got.LastError)
		assert.Equal(t, "Authentication failed. Invalid API key.", *got.LastError)
		require.NotNil(t, got.LastSyncAt)
		page, err := c.Configurations.List(ctx, freddy.ListConfigurationsParams{HealthStatus: freddy.HealthStatusUnhealthy})
		require.NoError(t, err)
		assert.Len(t, page.Data, 1)
	})
	t.Run("delete, then 404", func(t *testing.T) {
		require.NoError(t, c.Configurations.Delete(ctx, id))
		_, err := c.Configurations.Get(ctx, id)
		assert.ErrorIs(t, err, freddy.ErrNotFound)
		assert.ErrorIs(t, c.Configurations.Delete(ctx, id), freddy.ErrNotFound, "a direct 404")
	})
	t.Run("delete whose response was lost", func(t *testing.T) {
		srv.Inject(freddytest.Fault{Kind: freddytest.FaultDropAfterCommit})
		require.NoError(t, c.Configurations.Delete(ctx, ids[2]), "the retry's 404 means the first attempt deleted it")
		_, ok := srv.Configuration(ids[2])
		assert.False(t, ok)
	})
}

func TestE2EResponseMetadata(t *testing.T) {
	srv := freddytest.Start(t, freddytest.WithRateLimit(100, time.Minute))
	c := e2eClient(t, srv)
	var resp freddy.Response
	cfg, err := c.Configurations.Create(context.Background(), e2eParams(), freddy.WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Regexp(t, `^req_`, resp.RequestID)
	assert.NotEmpty(t, resp.APIVersion)
	assert.Equal(t, 100, resp.RateLimit.Limit)
	assert.Equal(t, 99, resp.RateLimit.Remaining)
	assert.WithinDuration(t, time.Now().Add(time.Minute), resp.RateLimit.ResetAt, 2*time.Second)
	assert.NotEmpty(t, resp.IdempotencyKey)
	_, err = c.Configurations.Get(context.Background(), cfg.ID, freddy.WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, 98, resp.RateLimit.Remaining)
	assert.Empty(t, resp.IdempotencyKey)
}

func TestE2EBrokenBodiesNeverGiveAPartialConfiguration(t *testing.T) {
	for _, tc := range []struct {
		fault freddytest.FaultKind
		check func(t *testing.T, err error)
	}{
		{freddytest.FaultStallBody, func(t *testing.T, err error) {
			var timeout interface{ Timeout() bool }
			require.ErrorAs(t, err, &timeout)
			assert.True(t, timeout.Timeout())
		}},
		{freddytest.FaultTruncate, func(t *testing.T, err error) { assert.ErrorIs(t, err, io.ErrUnexpectedEOF) }},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			srv := freddytest.Start(t)
			srv.Inject(freddytest.Fault{Kind: tc.fault})
			// Only the stall needs a short attempt timeout: under load it
			// could otherwise beat the truncation to the error.
			opts := []freddy.Option{freddy.WithMaxRetries(0)}
			if tc.fault == freddytest.FaultStallBody {
				opts = append(opts, freddy.WithTimeout(300*time.Millisecond))
			}
			c := e2eClient(t, srv, opts...)
			got, err := c.Configurations.Create(context.Background(), e2eParams())
			assert.Nil(t, got)
			var re *freddy.RequestError
			require.ErrorAs(t, err, &re)
			tc.check(t, err)
		})
	}
}
