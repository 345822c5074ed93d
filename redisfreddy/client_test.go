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

// One Client spends the window; another, which has sent nothing and so
// knows nothing of it, is held by the shared account instead of spending a
// 429.
func TestClientsShareOneWindow(t *testing.T) {
	srv := freddytest.NewServer(freddytest.WithRateLimit(5, time.Minute))
	defer srv.Close()
	cs := fleet(t, srv, shared.client(t), fleetKey(t), 2)
	ctx := context.Background()
	for range 5 {
		_, err := cs[0].Configurations.Create(ctx, params())
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	_, err := cs[1].Configurations.Create(ctx, params())
	var rl *freddy.RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Zero(t, rl.StatusCode, "held, not sent: %v", err)
	assert.Len(t, srv.Requests(), 5, "the server saw no sixth request")
}

// No Redis key or value holds the API key or any 8 bytes of it, whatever the
// calls did.
func TestRedisHoldsNoPartOfTheAPIKey(t *testing.T) {
	srv := freddytest.NewServer(freddytest.WithAPIKeys(apiKey), freddytest.WithRateLimit(3, time.Minute))
	defer srv.Close()
	rdb := shared.client(t)
	key := fleetKey(t)
	cs := fleet(t, srv, rdb, key, 2)
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			for range 3 {
				_, err := c.Configurations.Create(ctx, params())
				if err != nil && !errors.Is(err, freddy.ErrRateLimited) {
					t.Error(err)
				}
				_, _ = c.Configurations.List(ctx, freddy.ListConfigurationsParams{})
			}
		})
	}
	wg.Wait()

	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "freddy:{"+key+"}:*").Result()
	require.NoError(t, err)
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
		if !shared.embedded() { // miniredis dumps strings only
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
