package freddy

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentMixedTraffic shares one Client among 64 goroutines whose
// calls meet successes, 429s, 500s and cancellations; run it with -race.
func TestConcurrentMixedTraffic(t *testing.T) {
	ok := fixture(t, "create_200.json")
	e429, e500 := fixture(t, "error_429.json"), fixture(t, "error_500.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body first lets the server notice a client that
		// hangs up, which ends r.Context() for the stall case.
		_, _ = io.Copy(io.Discard, r.Body)
		switch r.Header.Get("X-Test-Mode") {
		case "429":
			w.Header().Set("Retry-After", "0")
			// A 429 of another limit than the request window, which has
			// room: it holds only its own call, not the Client's others.
			w.Header().Set("X-RateLimit-Remaining", "1")
			w.WriteHeader(429)
			_, _ = w.Write(e429)
		case "500":
			w.WriteHeader(500)
			_, _ = w.Write(e500)
		case "stall":
			<-r.Context().Done()
		default:
			_, _ = w.Write(ok)
		}
	}))
	defer srv.Close()
	modes := []string{"ok", "429", "500", "stall"}
	var wg sync.WaitGroup
	var counts [4]atomic.Int32
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), WithRetryWait(time.Millisecond, 2*time.Millisecond),
		WithMaxRetryWait(time.Millisecond), WithHTTPClient(&http.Client{Transport: modeTransport{tr}}))
	require.NoError(t, err)
	defer tr.CloseIdleConnections()
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 20 {
				m := r.IntN(len(modes))
				ctx, cancel := context.WithCancel(context.WithValue(context.Background(), modeKey{}, modes[m]))
				if modes[m] == "stall" {
					time.AfterFunc(time.Millisecond, cancel)
				}
				got, err := c.Configurations.Create(ctx, validParams())
				cancel()
				switch modes[m] {
				case "ok":
					if assert.NoError(t, err) {
						assert.Equal(t, "pconf_abc123", got.ID)
					}
				case "429":
					var rl *RateLimitError
					assert.ErrorAs(t, err, &rl)
					assert.Equal(t, 60*time.Second, rl.RetryAfter)
				case "500":
					assert.ErrorIs(t, err, ErrServer)
				case "stall":
					assert.ErrorIs(t, err, context.Canceled)
				}
				if err != nil {
					requireNoSecret(t, err.Error())
				}
				counts[m].Add(1)
			}
		}()
	}
	wg.Wait()
	for i := range counts {
		assert.Positive(t, counts[i].Load(), modes[i])
	}
}

type modeKey struct{}

// modeTransport tells the test server, through a header, how to answer.
type modeTransport struct{ rt *http.Transport }

func (m modeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if mode, ok := r.Context().Value(modeKey{}).(string); ok {
		r.Header.Set("X-Test-Mode", mode)
	}
	return m.rt.RoundTrip(r)
}
