package freddy

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aitronos/freddy-go/internal/emulator"
)

// End-to-end: the real client against the emulator over loopback.

func startEmulator(t *testing.T, cfg emulator.Config) *emulator.Server {
	t.Helper()
	emu := emulator.Start(cfg)
	t.Cleanup(emu.Close)
	return emu
}

func emuClient(t *testing.T, emu *emulator.Server, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(append([]Option{WithAPIKey(emu.APIKey), WithBaseURL(emu.URL), fastRetries}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestE2EHappyPath(t *testing.T) {
	emu := startEmulator(t, emulator.Config{})
	c := emuClient(t, emu)
	p := validParams()
	p.Description = "work account"
	p.Metadata = map[string]any{"team": "platform"}
	p.Enabled = Bool(false)
	got, err := c.Configurations.Create(context.Background(), p)
	require.NoError(t, err)
	assert.Regexp(t, `^pconf_`, got.ID)
	assert.Equal(t, "personal_connector.configuration", got.Object)
	assert.Equal(t, "pcon_github", got.PersonalConnectorID)
	assert.Equal(t, "***REDACTED***", got.Credentials)
	assert.False(t, got.Enabled)
	assert.Equal(t, HealthStatusUnknown, got.HealthStatus)
	require.NotNil(t, got.Description)
	assert.Equal(t, "work account", *got.Description)
	assert.Equal(t, map[string]any{"team": "platform"}, got.Metadata)
	assert.Equal(t, "org_emulator", got.OrganizationID)
	assert.WithinDuration(t, time.Now(), got.CreatedAt, time.Minute)
	stored := emu.Configurations()
	require.Len(t, stored, 1)
	assert.Equal(t, got.ID, stored[0].ID)
	req := emu.Requests()[0]
	assert.Equal(t, emu.APIKey, req.Header.Get("X-API-Key"))
	assert.Contains(t, string(req.Body), testCredential, "the credentials reach the server")
}

func TestE2EErrorTypes(t *testing.T) {
	emu := startEmulator(t, emulator.Config{})
	tests := []struct {
		name   string
		client func() *Client
		params CreateConfigurationParams
		check  func(t *testing.T, err error)
	}{
		{"wrong key", func() *Client { return emuClient(t, emu, WithAPIKey("fk_wrong_key_000000")) }, validParams(), func(t *testing.T, err error) {
			var ae *AuthenticationError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "UNAUTHORIZED", ae.Code)
			assert.Regexp(t, `^req_`, ae.TraceID)
		}},
		{"empty optional objects are accepted", func() *Client { return emuClient(t, emu) },
			CreateConfigurationParams{PersonalConnectorID: "p", Name: "n", Credentials: NewCredentials(map[string]any{"token": testCredential}), Metadata: map[string]any{}, Configuration: map[string]any{}},
			func(t *testing.T, err error) { require.NoError(t, err) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client().Configurations.Create(context.Background(), tt.params)
			tt.check(t, err)
		})
	}
	t.Run("forbidden connector", func(t *testing.T) {
		emu := startEmulator(t, emulator.Config{Forbidden: []string{"pcon_github"}})
		_, err := emuClient(t, emu).Configurations.Create(context.Background(), validParams())
		var ae *AuthorizationError
		require.ErrorAs(t, err, &ae)
		assert.ErrorIs(t, err, ErrForbidden)
		assert.Equal(t, "FORBIDDEN", ae.Code)
		assert.Empty(t, emu.Configurations())
	})
	for _, tc := range []struct {
		name  string
		fault emulator.FaultKind
		check func(t *testing.T, err error)
	}{
		{"server errors until retries run out", emulator.FaultServerError, func(t *testing.T, err error) {
			var se *ServerError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, "INTERNAL_SERVER_ERROR", se.Code)
		}},
		{"proxy HTML 502 until retries run out", emulator.FaultBadGatewayHTML, func(t *testing.T, err error) {
			var se *ServerError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, 502, se.StatusCode)
			assert.Contains(t, err.Error(), "<html>")
		}},
		{"dropped connections until retries run out", emulator.FaultDrop, func(t *testing.T, err error) {
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 3, re.Attempts)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := startEmulator(t, emulator.Config{})
			emu.Inject(emulator.Fault{Kind: tc.fault}, 3)
			_, err := emuClient(t, emu).Configurations.Create(context.Background(), validParams())
			tc.check(t, err)
			assert.Len(t, emu.Requests(), 3)
			assert.Empty(t, emu.Configurations())
		})
	}
	t.Run("unknown field is a validation error", func(t *testing.T) {
		// The SDK never sends unknown fields; a raw request shows the
		// emulator's 400 reaches the SDK's decoder intact.
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		c := emuClient(t, emu, WithHTTPClient(&http.Client{Transport: rewriteBody{tr, `{"personalConnectorId":"p","name":1,"credentials":{},"bogus":true}`}}))
		_, err := c.Configurations.Create(context.Background(), validParams())
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "VALIDATION_ERROR", ve.Code)
		assert.Equal(t, map[string]any{"name": "must be a string", "credentials": "must not be empty", "bogus": "is not a known field"}, ve.Details["fields"])
	})
	t.Run("rate limit", func(t *testing.T) {
		emu := startEmulator(t, emulator.Config{RateLimit: 2, Window: time.Hour})
		c := emuClient(t, emu)
		for range 2 {
			_, err := c.Configurations.Create(context.Background(), validParams())
			require.NoError(t, err)
		}
		_, err := c.Configurations.Create(context.Background(), validParams())
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl, "the hour-long wait exceeds the max retry wait: returned at once")
		assert.InDelta(t, time.Hour.Seconds(), rl.RetryAfter.Seconds(), 2)
		assert.Equal(t, 2, rl.Limit)
		assert.Equal(t, 0, rl.Remaining)
		assert.WithinDuration(t, time.Now().Add(time.Hour), rl.ResetAt, 2*time.Second)
		assert.Len(t, emu.Configurations(), 2)
	})
}

// rewriteBody replaces the request body, to send what the SDK would refuse.
type rewriteBody struct {
	rt   http.RoundTripper
	body string
}

func (rw rewriteBody) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.GetBody = nil
	r.ContentLength = int64(len(rw.body))
	r.Body = readCloser(rw.body)
	return rw.rt.RoundTrip(r)
}

func TestE2ERetriesThroughFaultsCreateExactlyOne(t *testing.T) {
	faults := []emulator.Fault{
		{Kind: emulator.FaultServerError},
		{Kind: emulator.FaultBadGatewayHTML},
		{Kind: emulator.FaultRateLimit, RetryAfter: 100 * time.Millisecond},
		{Kind: emulator.FaultDrop},
	}
	for _, f := range faults {
		emu := startEmulator(t, emulator.Config{})
		emu.Inject(f, 2)
		c := emuClient(t, emu)
		got, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err, "fault %d", f.Kind)
		reqs := emu.Requests()
		require.Len(t, reqs, 3, "three attempts")
		stored := emu.Configurations()
		require.Len(t, stored, 1, "exactly one configuration after three attempts")
		assert.Equal(t, stored[0].ID, got.ID)
		for _, r := range reqs {
			assert.Equal(t, reqs[0].Header.Get("Idempotency-Key"), r.Header.Get("Idempotency-Key"))
		}
	}
}

func TestE2EIdempotentReplay(t *testing.T) {
	emu := startEmulator(t, emulator.Config{})
	c := emuClient(t, emu)
	first, err := c.Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("order-42"))
	require.NoError(t, err)
	again, err := c.Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("order-42"))
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID, "the same key and body replay the first response")
	assert.Len(t, emu.Configurations(), 1)

	other := validParams()
	other.Name = "Another name"
	_, err = c.Configurations.Create(context.Background(), other, WithIdempotencyKey("order-42"))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 409, apiErr.StatusCode)
	assert.Equal(t, "IDEMPOTENCY_KEY_REUSED", apiErr.Code)
	assert.Len(t, emu.Configurations(), 1)
}

func TestE2EConcurrentRetriesUnderFaults(t *testing.T) {
	emu := startEmulator(t, emulator.Config{})
	emu.Inject(emulator.Fault{Kind: emulator.FaultServerError}, 20)
	c := emuClient(t, emu, WithMaxRetries(5))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := c.Configurations.Create(context.Background(), validParams())
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Len(t, emu.Configurations(), 20, "one configuration per call, none duplicated by retries")
}

func TestE2EStallIsBoundedByTimeout(t *testing.T) {
	emu := startEmulator(t, emulator.Config{})
	emu.Inject(emulator.Fault{Kind: emulator.FaultStall}, 1)
	c := emuClient(t, emu, WithTimeout(200*time.Millisecond))
	got, err := c.Configurations.Create(context.Background(), validParams())
	require.NoError(t, err, "the stalled attempt times out and the retry succeeds")
	assert.Len(t, emu.Configurations(), 1)
	assert.Equal(t, emu.Configurations()[0].ID, got.ID)
}
