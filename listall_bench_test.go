package freddy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listServer serves total configurations in the documented list shape,
// pages precomputed so that both sides of a benchmark pay the same server
// cost. It answers ?limit=100&after=pconf_N.
func listServer(tb testing.TB, total, limit int) *httptest.Server {
	tb.Helper()
	pages := map[string][]byte{}
	after := ""
	for start := 0; start < total; start += limit {
		var items []string
		first, last := fmt.Sprintf("pconf_%08d", start+1), ""
		for i := start + 1; i <= min(total, start+limit); i++ {
			last = fmt.Sprintf("pconf_%08d", i)
			items = append(items, `{"id":"`+last+`","object":"personal_connector.configuration","userId":"user_xyz789","apiKeyId":null,`+
				`"organizationId":"org_123","personalConnectorId":"pcon_github","name":"Repo `+strconv.Itoa(i)+`",`+
				`"configuration":{"repository":"aitronos/freddy-backend","branch":"main"},"credentials":"***REDACTED***","enabled":true,`+
				`"healthStatus":"healthy","lastSyncAt":"2025-10-07T10:45:00Z","lastError":null,"description":"Backend repository.",`+
				`"metadata":{"team":"platform"},"createdAt":"2025-10-07T10:45:00Z","updatedAt":"2025-10-07T10:45:00Z"}`)
		}
		more := start+limit < total
		pages[after] = []byte(`{"object":"list","data":[` + strings.Join(items, ",") + `],"firstId":"` + first + `","lastId":"` + last + `","hasMore":` + strconv.FormatBool(more) + `}`)
		after = last
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Query().Get("after")]
		if !ok {
			body = []byte(`{"object":"list","data":[],"hasMore":false}`)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// listItem is the documented list item as a hand-written client would
// declare it.
type listItem struct {
	ID                  string         `json:"id"`
	Object              string         `json:"object"`
	UserID              string         `json:"userId"`
	APIKeyID            *string        `json:"apiKeyId"`
	OrganizationID      string         `json:"organizationId"`
	PersonalConnectorID string         `json:"personalConnectorId"`
	Name                string         `json:"name"`
	Configuration       map[string]any `json:"configuration"`
	Credentials         string         `json:"credentials"`
	Enabled             bool           `json:"enabled"`
	HealthStatus        string         `json:"healthStatus"`
	LastSyncAt          *time.Time     `json:"lastSyncAt"`
	LastError           *string        `json:"lastError"`
	Description         *string        `json:"description"`
	Metadata            map[string]any `json:"metadata"`
	CreatedAt           time.Time      `json:"createdAt"`
	UpdatedAt           time.Time      `json:"updatedAt"`
}

// listAll is the baseline: a careful hand-written paging loop with net/http
// and encoding/json.
func (h *handWritten) listAll(ctx context.Context, base string, each func(*listItem)) error {
	after := ""
	for {
		u := base + configurationsPath + "?limit=100"
		if after != "" {
			u += "&after=" + url.QueryEscape(after)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("X-API-Key", h.key)
		req.Header.Set("Accept", "application/json")
		resp, err := h.hc.Do(req)
		if err != nil {
			return err
		}
		var page struct {
			Data    []listItem `json:"data"`
			HasMore bool       `json:"hasMore"`
			LastID  string     `json:"lastId"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		for i := range page.Data {
			each(&page.Data[i])
		}
		if !page.HasMore || len(page.Data) == 0 {
			return nil
		}
		after = page.LastID
	}
}

const benchListTotal = 10_000

// BenchmarkListAll iterates over 10,000 configurations in pages of 100 from
// a loopback server, with ListAll and with the hand-written loop, paired as
// BenchmarkCreate is (benchPaired, one iteration over the 10,000 items a
// block). It reports sdk-items/op and nethttp-items/op, which
// scripts/bench.sh uses to give ns and allocs per item.
func BenchmarkListAll(b *testing.B) {
	srv := listServer(b, benchListTotal, 100)
	client, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	defer client.CloseIdleConnections()
	hand := newHandWritten(srv.URL, testAPIKey)
	defer hand.hc.CloseIdleConnections()
	var sink string
	sides := pairedSides{
		sdk: func(ctx context.Context) error {
			n := 0
			for c, err := range client.Configurations.ListAll(ctx, ListConfigurationsParams{Limit: 100}) {
				if err != nil {
					return err
				}
				sink = c.Name
				n++
			}
			if n != benchListTotal {
				return fmt.Errorf("got %d items", n)
			}
			return nil
		},
		nethttp: func(ctx context.Context) error {
			n := 0
			err := hand.listAll(ctx, srv.URL, func(it *listItem) { sink = it.Name; n++ })
			if err == nil && n != benchListTotal {
				err = fmt.Errorf("got %d items", n)
			}
			return err
		},
	}
	benchPaired(b, sides, 1, 1)
	b.ReportMetric(benchListTotal, "sdk-items/op")
	b.ReportMetric(benchListTotal, "nethttp-items/op")
	_ = sink
}

// peakHeap iterates over total configurations with ListAll (fetching ahead
// unless noPrefetch) and samples the live heap (after a GC) at the middle of
// every page, once the page fetched ahead (if any) has arrived; it returns
// the peak above the heap without the iteration: the lower of the samples
// taken before it started and after it ended, so that garbage from earlier
// tests dying meanwhile cannot shrink the figure.
func peakHeap(t *testing.T, total int, noPrefetch bool) uint64 {
	srv := listServer(t, total, 100)
	pages := (total + 99) / 100
	ended := &listEnds{ch: make(chan struct{}, pages+1)}
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), WithObserver(ended))
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	var ms runtime.MemStats
	sample := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := sample()
	peak, n, got := uint64(0), 0, 0
	for cfg, err := range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{Limit: 100, DisablePrefetch: noPrefetch}) {
		require.NoError(t, err)
		require.NotEmpty(t, cfg.ID)
		if n++; n%100 == 50 {
			// Mid-page: the page's body and items are alive, and so is
			// the next page's when it is fetched ahead.
			page := n/100 + 1
			if !noPrefetch && page < pages {
				page++
			}
			for ; got < page; got++ {
				<-ended.ch
			}
			peak = max(peak, sample())
		}
	}
	require.Equal(t, total, n)
	base := min(before, sample())
	return peak - min(peak, base)
}

// listEnds is an Observer that signals the end of every call.
type listEnds struct{ ch chan struct{} }

func (l *listEnds) ObserveCall(ctx context.Context, _ CallInfo) (context.Context, CallObserver) {
	return ctx, l
}
func (l *listEnds) Attempt(req *http.Request, next MiddlewareNext) (*http.Response, error) {
	return next(req)
}
func (l *listEnds) Retry(RetryInfo) {}
func (l *listEnds) End(CallResult)  { l.ch <- struct{}{} }

// medianPeaks returns the medians of three runs of two peakHeap
// measurements, interleaved. The heap profiler keeps a record per sampled
// allocation site, which would grow the heap with the work done, SDK or not:
// it is off meanwhile.
func medianPeaks(t *testing.T, run func() (uint64, uint64)) (uint64, uint64) {
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 0
	var as, bs []uint64
	for range 3 {
		a, b := run()
		as, bs = append(as, a), append(bs, b)
	}
	slices.Sort(as)
	slices.Sort(bs)
	return as[1], bs[1]
}

// TestListAllMemoryDoesNotGrowWithTheTotal: streaming 10,000 items peaks at
// about what streaming 1,000 does.
func TestListAllMemoryDoesNotGrowWithTheTotal(t *testing.T) {
	longTest(t) // samples the heap over 11,000 items
	small, large := medianPeaks(t, func() (uint64, uint64) { return peakHeap(t, 1_000, false), peakHeap(t, 10_000, false) })
	t.Logf("peak live heap above baseline: 1,000 items %d B, 10,000 items %d B (ratio %.2f)", small, large, float64(large)/float64(small))
	assert.LessOrEqual(t, float64(large), 1.2*float64(small))
}
