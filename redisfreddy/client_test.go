package redisfreddy

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
)

const apiKey = "fk_live_9c1e7a52b3d84f60a1e2c3d4e5f60718"

func params() freddy.CreateConfigurationParams {
	return freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "My GitHub Account",
		Credentials:         freddy.BearerCredentials("ghp_example_token_not_real"),
	}
}

// fleet is n Clients of one freddytest server sharing one account.
func fleet(t *testing.T, srv *freddytest.Server, rdb redis.UniversalClient, key string, n int, opts ...freddy.Option) []*freddy.Client {
	cs := make([]*freddy.Client, n)
	for i := range cs {
		c, err := srv.Client(append([]freddy.Option{WithSharedRateLimit(rdb, key, WithTimeout(5*time.Second))}, opts...)...)
		require.NoError(t, err)
		t.Cleanup(c.CloseIdleConnections)
		cs[i] = c
	}
	return cs
}

// One Client spends the window; another, which has sent nothing, is held
// by the shared account instead of spending a 429: having read no window,
// it measures the hold by the documented window (60s, and a second), which
// this one is within (the account's word is checked against the server's,
// doc.go). A call that cannot wait that long (its deadline) is refused on
// the account's word only once the Client has read a window: the new
// Client's first such call is sent and brings back the 429 that teaches it
// the window; its next one is refused unsent.
func TestClientsShareOneWindow(t *testing.T) { clientsShareOneWindow(t, shared.client(t)) }

func clientsShareOneWindow(t *testing.T, rdb redis.UniversalClient) {
	srv := freddytest.NewServer(freddytest.WithRateLimit(5, time.Minute))
	defer srv.Close()
	cs := fleet(t, srv, rdb, fleetKey(t), 2)
	ctx := context.Background()
	for range 5 {
		_, err := cs[0].Configurations.Create(ctx, params())
		require.NoError(t, err)
	}
	for i, sent := range []int{6, 6} {
		ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		_, err := cs[1].Configurations.Create(ctx, params())
		cancel()
		var rl *freddy.RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.Len(t, srv.Requests(), sent, "call %d: the first sent, then refused unsent", i)
		assert.Greater(t, rl.RetryAfter, 50*time.Second, "the window's reset: %v", err)
	}
}

// No Redis key or value holds the API key or any 8 bytes of it, whatever the
// calls did.
func TestRedisHoldsNoPartOfTheAPIKey(t *testing.T) {
	redisHoldsNoPartOfTheAPIKey(t, shared.client(t), !shared.embedded())
}

// redisHoldsNoPartOfTheAPIKey checks what the calls of a fleet on rdb wrote;
// dump says whether rdb answers DUMP with the value (miniredis does not).
func redisHoldsNoPartOfTheAPIKey(t *testing.T, rdb redis.UniversalClient, dump bool) {
	srv := freddytest.NewServer(freddytest.WithAPIKeys(apiKey), freddytest.WithRateLimit(3, time.Minute))
	defer srv.Close()
	key := fleetKey(t)
	cs := fleet(t, srv, rdb, key, 2)
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			for range 3 {
				_, err := c.Configurations.Create(ctx, params())
				// Held calls end at the deadline, as may a call whose first
				// Redis round trip (a new connection) is slow on a loaded
				// machine: this test is about what Redis holds.
				if err != nil && !errors.Is(err, freddy.ErrRateLimited) && !errors.Is(err, context.DeadlineExceeded) {
					t.Error(err)
				}
				_, _ = c.Configurations.List(ctx, freddy.ListConfigurationsParams{})
			}
		})
	}
	wg.Wait()

	ctx := context.Background()
	keys := accountKeys(t, rdb, key)
	require.NotEmpty(t, keys, "the calls wrote the account")
	var written []string
	for _, k := range keys {
		written = append(written, k)
		h, err := rdb.HGetAll(ctx, k).Result()
		require.NoError(t, err)
		require.NotEmpty(t, h)
		for f, v := range h {
			written = append(written, f, v)
		}
		if dump {
			dump, err := rdb.Dump(ctx, k).Result()
			require.NoError(t, err)
			written = append(written, dump)
		}
	}
	for _, w := range written {
		for i := 0; i+8 <= len(apiKey); i++ {
			require.NotContains(t, w, apiKey[i:i+8], "Redis holds part of the API key")
		}
	}
	for _, k := range keys {
		assert.True(t, strings.HasPrefix(k, "freddy:{"+key+"}:"), "%q: the fleet's key is the hash tag, one Cluster slot", k)
	}
}

// accountKeys returns the Redis keys of the account named key: on a
// Cluster, those of every master (KEYS asks one node).
func accountKeys(t *testing.T, rdb redis.UniversalClient, key string) []string {
	t.Helper()
	ctx := context.Background()
	pattern := "freddy:{" + key + "}:*"
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		keys, err := rdb.Keys(ctx, pattern).Result()
		require.NoError(t, err)
		return keys
	}
	var mu sync.Mutex
	var keys []string
	require.NoError(t, cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		ks, err := node.Keys(ctx, pattern).Result()
		mu.Lock()
		defer mu.Unlock()
		keys = append(keys, ks...)
		return err
	}))
	return keys
}

// accountWatch records the Client's changes of trust in its account.
type accountWatch struct {
	mu     sync.Mutex
	events []freddy.RateLimitAccountEvent
}

func (w *accountWatch) ObserveCall(ctx context.Context, _ freddy.CallInfo) (context.Context, freddy.CallObserver) {
	return ctx, nil
}

func (w *accountWatch) RateLimitAccountChanged(e freddy.RateLimitAccountEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events = append(w.events, e)
}

// A frozen Redis fails no call: the Client paces by its own view, and says
// so once.
func TestAFrozenRedisFailsNoCall(t *testing.T) {
	srv := freddytest.NewServer()
	defer srv.Close()
	rdb := redis.NewClient(&redis.Options{Addr: frozenRedis(t), ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	w := &accountWatch{}
	c, err := srv.Client(WithSharedRateLimit(rdb, fleetKey(t)), freddy.WithObserver(w))
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	start := time.Now()
	for range 5 {
		_, err := c.Configurations.Create(context.Background(), params())
		require.NoError(t, err)
	}
	assert.Less(t, time.Since(start), 2*time.Second)
	w.mu.Lock()
	defer w.mu.Unlock()
	require.Len(t, w.events, 1)
	assert.False(t, w.events[0].Trusted)
}

// The Client bounds its account calls by the account's own WithTimeout (the
// core's TestAccountNamesItsOwnBound checks that a Client honours what an
// account names): a Redis slower than 50ms but within WithTimeout stays
// trusted.
func TestTheClientsBoundIsTheAccountsTimeout(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	var named freddy.RateLimitAccountTimeout = newAccount(rdb, "fleet", WithTimeout(200*time.Millisecond))
	require.Equal(t, 200*time.Millisecond, named.AccountTimeout())
	named = newAccount(rdb, "fleet")
	require.Equal(t, DefaultTimeout, named.AccountTimeout())
	named = newAccount(rdb, "fleet", WithTimeout(-time.Second))
	require.Equal(t, DefaultTimeout, named.AccountTimeout())
}

// Four Clients sharing one account send 20 creates from 8 goroutines
// through two windows of 10: none fails, and the server refuses none.
func TestAFleetSpendsNo429(t *testing.T) { aFleetSpendsNo429(t, shared.client(t), fleetKey(t)) }

// aFleetSpendsNo429 runs the fleet of TestAFleetSpendsNo429 on rdb under
// key, and checks that no Client stopped trusting its account on the way
// (an account error, such as CROSSSLOT, would show as that). Each Client
// first makes one create, so that each has read the window: a Client that
// has read none does not follow the account's hold, it sends to learn the
// window (doc.go, "The account's word is checked"), and a goroutine started
// late on a loaded machine may make its Client's first call after the
// window is spent.
func aFleetSpendsNo429(t *testing.T, rdb redis.UniversalClient, key string) {
	const limit, sends, goroutines = 10, 20, 8
	// A window long enough that a response made late by a loaded machine
	// (-race, other builds) is still read as from its own window.
	srv := freddytest.NewServer(freddytest.WithRateLimit(limit, time.Second))
	defer srv.Close()
	w := &accountWatch{}
	cs := fleet(t, srv, rdb, key, 4, freddy.WithObserver(w))
	start := time.Now()
	for _, c := range cs {
		_, err := c.Configurations.Create(context.Background(), params())
		require.NoError(t, err)
	}
	got := creates(t, cs, goroutines, sends-int64(len(cs)))
	got.Succeeded += int64(len(cs))
	wall := time.Since(start)
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	t.Logf("%d creates in %v, %d requests", sends, wall, reqs[len(reqs)-1].Seq)
	assert.EqualValues(t, sends, got.Succeeded, "every create succeeded")
	assert.EqualValues(t, sends, reqs[len(reqs)-1].Seq, "the server refused none")
	w.mu.Lock()
	defer w.mu.Unlock()
	assert.Empty(t, w.events, "no Client fell back to its own pacing")
}
