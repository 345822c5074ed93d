package freddytest

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	freddy "github.com/aitronos/freddy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTargetedFaultFailsOnlyTheHealthCheck(t *testing.T) {
	srv := Start(t)
	client := sdkClient(t, srv)
	defer client.CloseIdleConnections()
	ctx := context.Background()
	srv.Inject(Fault{Kind: FaultServerError, Method: http.MethodPost, Path: "/{id}/test", Count: 3})
	cfg, err := client.Configurations.Create(ctx, params())
	require.NoError(t, err, "the create is not the target")
	_, err = client.Configurations.Get(ctx, cfg.ID)
	require.NoError(t, err)
	_, err = client.Configurations.Test(ctx, cfg.ID)
	require.ErrorIs(t, err, freddy.ErrServer, "all three attempts of the health check fail")
	_, err = client.Configurations.Test(ctx, cfg.ID)
	require.NoError(t, err, "the fault is used up")
	srv.mu.Lock()
	assert.Empty(t, srv.faults)
	srv.mu.Unlock()
}

func TestFaultSkipCountAndQueueOrder(t *testing.T) {
	srv, c := start(t)
	srv.Inject(
		Fault{Kind: FaultServerError, Method: "get", Path: "/", Skip: 1, Count: 2},
		Fault{Kind: FaultBadGatewayHTML},
	)
	var got []int
	for _, m := range []string{"GET", "POST", "GET", "GET", "GET"} {
		body := ""
		if m == "POST" {
			body = validBody
		}
		got = append(got, c.do(m, basePath, body).status)
	}
	// GET skipped; POST does not match the first fault, takes the second;
	// two GETs fail; the last is handled.
	assert.Equal(t, []int{200, 502, 500, 500, 200}, got)
}

func TestFaultPathTemplates(t *testing.T) {
	srv, c := start(t)
	id := c.createN(1)[0]
	for _, tc := range []struct {
		path, method, reqPath string
		hit                   bool
	}{
		{"/{id}", "GET", basePath + "/" + id, true},
		{"/{id}", "GET", basePath, false},
		{basePath + "/{id}/toggle", "POST", basePath + "/" + id + "/toggle", true},
		{"/{id}/test", "POST", basePath + "/" + id + "/toggle", false},
		{"/", "GET", basePath, true},
	} {
		srv.ClearFaults()
		srv.Inject(Fault{Kind: FaultServerError, Path: tc.path})
		body := ""
		if tc.method == "POST" {
			body = `{"enabled":true}`
		}
		status := c.do(tc.method, tc.reqPath, body).status
		assert.Equal(t, tc.hit, status == 500, "%s on %s %s: %d", tc.path, tc.method, tc.reqPath, status)
	}
	assert.True(t, validTemplate(""), "empty matches all")
	assert.False(t, validTemplate("/nope"))
}

func TestFaultCountForeverAndClearFaults(t *testing.T) {
	srv, c := start(t)
	srv.Inject(Fault{Kind: FaultServerError, Method: "GET", Count: -1})
	for range 5 {
		assert.Equal(t, 500, c.do("GET", basePath, "").status)
	}
	assert.Equal(t, 200, c.do("POST", basePath, validBody).status)
	srv.ClearFaults()
	assert.Equal(t, 200, c.do("GET", basePath, "").status)
}

func TestFaultDelay(t *testing.T) {
	srv, c := start(t)
	srv.Inject(Fault{Kind: FaultDelay, Delay: 30 * time.Millisecond}, Fault{Kind: FaultServerError, Delay: 30 * time.Millisecond})
	for _, want := range []int{200, 500} {
		begin := time.Now()
		r := c.do("GET", basePath, "")
		assert.Equal(t, want, r.status)
		// A lower bound: the server waits at least Delay before answering.
		assert.GreaterOrEqual(t, time.Since(begin), 30*time.Millisecond)
	}
}

// TestFaultsCountDeliveries shows what Inject's doc says: net/http resends
// a GET that failed on a reused connection, so the first attempt of a Get
// is delivered twice, three FaultDrops are used up by two attempts, and the
// third attempt succeeds.
func TestFaultsCountDeliveries(t *testing.T) {
	srv := Start(t)
	client := sdkClient(t, srv)
	defer client.CloseIdleConnections()
	ctx := context.Background()
	cfg, err := client.Configurations.Create(ctx, params()) // leaves a warm connection
	require.NoError(t, err)
	srv.Inject(Repeat(Fault{Kind: FaultDrop}, 3)...)
	var resp freddy.Response
	_, err = client.Configurations.Get(ctx, cfg.ID, freddy.WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, 3, resp.Attempts, "the SDK made three attempts")
	gets := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodGet {
			gets++
		}
	}
	assert.Equal(t, 4, gets, "the server saw four deliveries: the first attempt twice")

	// A targeted fault with room fails every attempt.
	srv.Inject(Fault{Kind: FaultDrop, Method: "GET", Path: "/{id}", Count: -1})
	_, err = client.Configurations.Get(ctx, cfg.ID)
	var reqErr *freddy.RequestError
	require.ErrorAs(t, err, &reqErr)
}

func TestRequestLogKeepsTheLastN(t *testing.T) {
	srv, c := start(t, WithRequestLog(3))
	for range 5 {
		c.do("GET", basePath, "")
	}
	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, []int64{3, 4, 5}, []int64{reqs[0].Seq, reqs[1].Seq, reqs[2].Seq})
	assert.Equal(t, int64(2), srv.DroppedRequests())
	assert.Equal(t, "HTTP/1.1", reqs[0].Proto)
	srv.Reset()
	assert.Empty(t, srv.Requests())
	assert.Zero(t, srv.DroppedRequests())

	none, c0 := start(t, WithRequestLog(0))
	c0.do("GET", basePath, "")
	assert.Empty(t, none.Requests())
	assert.Equal(t, int64(1), none.DroppedRequests())

	def := Start(t, WithRequestLog(-1))
	assert.Equal(t, DefaultRequestLog, def.cfg.requestLog)
}

func TestIdempotencyRecordsExpire(t *testing.T) {
	clock := newFakeClock()
	srv, c := start(t, WithClock(clock.Now))
	key := []string{"Idempotency-Key", "k-expire"}
	first := c.do("POST", basePath, validBody, key...)
	clock.Advance(DefaultIdempotencyWindow - time.Second)
	again := c.do("POST", basePath, validBody, key...)
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	assert.Equal(t, first.raw, again.raw)
	clock.Advance(time.Second)
	third := c.do("POST", basePath, validBody, key...)
	assert.Empty(t, third.header.Get("Idempotent-Replayed"), "24 h after, the key is forgotten")
	assert.Len(t, srv.Configurations(), 2)
	srv.mu.Lock()
	assert.Len(t, srv.replays, 1, "the expired record is freed")
	assert.Len(t, srv.expiries, 1)
	srv.mu.Unlock()

	short, cs := start(t, WithClock(clock.Now), WithIdempotencyWindow(time.Minute))
	cs.do("POST", basePath, validBody, key...)
	clock.Advance(time.Minute)
	cs.do("POST", basePath, validBody, key...)
	assert.Len(t, short.Configurations(), 2)
}

func TestWithoutIdempotency(t *testing.T) {
	srv := Start(t, WithoutIdempotency())
	client := sdkClient(t, srv)
	defer client.CloseIdleConnections()
	srv.Inject(Fault{Kind: FaultDropAfterCommit})
	_, err := client.Configurations.Create(context.Background(), params())
	require.NoError(t, err)
	assert.Len(t, srv.Configurations(), 2, "the retry after the lost response stored a second configuration")

	honoured := Start(t)
	hc := sdkClient(t, honoured)
	defer hc.CloseIdleConnections()
	honoured.Inject(Fault{Kind: FaultDropAfterCommit})
	_, err = hc.Configurations.Create(context.Background(), params())
	require.NoError(t, err)
	assert.Len(t, honoured.Configurations(), 1)
}

func TestIDsCarryTheirCreationNumber(t *testing.T) {
	srv, c := start(t)
	ids := c.createN(3)
	assert.Regexp(t, `^pconf_[0-9a-f]{16}$`, ids[0])
	r := c.do("DELETE", basePath+"/"+ids[0], "")
	require.Equal(t, 200, r.status)
	page := c.do("GET", basePath+"?after="+ids[0], "")
	assert.Equal(t, 200, page.status, "a deleted item's cursor still pages on")
	assert.Len(t, page.body["data"], 2)
	srv.mu.Lock()
	_, ok := srv.ids.seq("pconf_" + ids[1][6:14] + "00000009") // a number never made
	_, forged := srv.ids.seq("pconf_0000000000000002")
	srv.mu.Unlock()
	assert.False(t, ok)
	assert.False(t, forged)
	assert.Equal(t, 400, c.do("GET", basePath+"?after=pconf_0000000000000002", "").status)
}

func TestStartTLSServesHTTP2(t *testing.T) {
	srv := StartTLS(t)
	assert.Regexp(t, `^https://127\.0\.0\.1:[0-9]+$`, srv.URL)
	assert.Contains(t, string(srv.CertificatePEM()), "BEGIN CERTIFICATE")
	client := sdkClient(t, srv)
	defer client.CloseIdleConnections()
	ctx := context.Background()
	cfg, err := client.Configurations.Create(ctx, params())
	require.NoError(t, err)
	_, err = client.Configurations.Test(ctx, cfg.ID)
	require.NoError(t, err)
	require.NoError(t, client.Configurations.Delete(ctx, cfg.ID))
	for _, r := range srv.Requests() {
		assert.Equal(t, "HTTP/2.0", r.Proto)
	}

	// Faults that drop a connection abort the stream under HTTP/2.
	srv.Inject(Fault{Kind: FaultDrop})
	_, err = client.Configurations.List(ctx, freddy.ListConfigurationsParams{})
	require.NoError(t, err, "retried after the aborted stream")

	// The system roots do not trust it.
	plain, err := freddy.NewClient(freddy.WithBaseURL(srv.URL), freddy.WithAPIKey(srv.APIKey), freddy.WithMaxRetries(0))
	require.NoError(t, err)
	defer plain.CloseIdleConnections()
	_, err = plain.Configurations.List(ctx, freddy.ListConfigurationsParams{})
	require.Error(t, err)
	assert.Nil(t, Start(t).CertPool())
}

func TestReplayMapIsRebuiltUnderChurn(t *testing.T) {
	srv := Start(t, WithIdempotencyWindow(time.Second))
	now := t0
	srv.mu.Lock()
	defer srv.mu.Unlock()
	rebuilt := false
	for i := range 3000 {
		srv.expireReplays(now)
		if i > 0 && srv.expired == 0 {
			rebuilt = true
		}
		srv.storeReplay(replayKey{"k", strconv.Itoa(i)}, replay{}, now)
		now = now.Add(time.Second)
	}
	assert.True(t, rebuilt, "the map was rebuilt")
	assert.Len(t, srv.replays, 1, "only the last record is live")
	assert.LessOrEqual(t, len(srv.expiries), 1)
}
