package redisfreddy

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/redisfreddy/internal/redistest"
)

// The account's promises hold on every topology a redis.UniversalClient
// covers: TestCluster and TestSentinel run the single-node tests' checks
// through a ClusterClient on a real three-node Redis Cluster and a
// FailoverClient through a real Sentinel. Both need redis-server, and skip
// on a machine that runs the tests on miniredis.

// skipWithoutRedisServer skips a test that needs redis-server processes.
func skipWithoutRedisServer(t *testing.T, what string) {
	if redistest.Embedded() {
		t.Skipf("%s needs redis-server; this machine runs the tests on miniredis (redis-server not found or REDISFREDDY_MINIREDIS=1)", what)
	}
}

// sharedAccountChecks are the single-node tests' checks, run on rdb.
func sharedAccountChecks(t *testing.T, rdb redis.UniversalClient) {
	t.Run("clients share one window", func(t *testing.T) { clientsShareOneWindow(t, rdb) })
	t.Run("a fleet spends no 429", func(t *testing.T) { aFleetSpendsNo429(t, rdb, fleetKey(t)) })
	t.Run("Redis holds no part of the API key", func(t *testing.T) { redisHoldsNoPartOfTheAPIKey(t, rdb, true) })
}

func TestCluster(t *testing.T) {
	skipWithoutRedisServer(t, "Redis Cluster")
	start := time.Now()
	c, err := redistest.StartCluster(3)
	require.NoError(t, err)
	t.Cleanup(c.Stop)
	t.Logf("three-node cluster %v ready in %v", c.Addrs, time.Since(start))
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs, ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	sharedAccountChecks(t, rdb)
	t.Run("fleets on different nodes, each in one slot", func(t *testing.T) { fleetsOnDifferentNodes(t, rdb) })
}

// fleetsOnDifferentNodes runs two fleets whose keys hash to slots of
// different masters: each script's keys are in one slot, so no CROSSSLOT
// (or MOVED, or any) error reaches the account, and each fleet's hashes are
// all in the slot of its key, on the master that owns it.
func fleetsOnDifferentNodes(t *testing.T, rdb *redis.ClusterClient) {
	ctx := context.Background()
	owner := func(key string) (int64, string) {
		slot, err := rdb.ClusterKeySlot(ctx, "{"+key+"}").Result()
		require.NoError(t, err)
		master, err := rdb.MasterForKey(ctx, "{"+key+"}")
		require.NoError(t, err)
		return slot, master.Options().Addr
	}
	first := fleetKey(t)
	firstSlot, firstNode := owner(first)
	second, secondNode := "", firstNode
	for i := 0; secondNode == firstNode; i++ {
		second = first + "-" + strconv.Itoa(i)
		_, secondNode = owner(second)
	}
	for _, key := range []string{first, second} {
		// The account's own errors, which a Client turns into pacing by
		// its own view (aFleetSpendsNo429 checks that none did).
		a := newAccount(rdb, key, WithTimeout(5*time.Second))
		require.NoError(t, a.Observe(ctx, bucket, freddy.RateLimitWindow{Limit: 10, Remaining: 9, Reset: time.Minute}))
		wait, err := a.Reserve(ctx, bucket)
		require.NoError(t, err)
		require.Zero(t, wait)
		aFleetSpendsNo429(t, rdb, key)

		slot, node := owner(key)
		keys := accountKeys(t, rdb, key)
		require.Len(t, keys, 2, "the test's bucket and the creates' bucket: %v", keys)
		for _, k := range keys {
			s, err := rdb.ClusterKeySlot(ctx, k).Result()
			require.NoError(t, err)
			assert.Equal(t, slot, s, "%q is in the slot of its fleet's key", k)
		}
		var mu sync.Mutex
		var on []string
		require.NoError(t, rdb.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			n, err := m.ClusterCountKeysInSlot(ctx, int(slot)).Result()
			mu.Lock()
			defer mu.Unlock()
			if n > 0 {
				on = append(on, m.Options().Addr)
			}
			return err
		}))
		assert.Equal(t, []string{node}, on, "the fleet's hashes are on the master that owns its key's slot")
	}
	t.Logf("fleet keys in slots %d (%s) and different node %s", firstSlot, firstNode, secondNode)
}

func TestSentinel(t *testing.T) {
	skipWithoutRedisServer(t, "Redis Sentinel")
	start := time.Now()
	s, err := redistest.StartSentinel()
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	t.Logf("master %s and Sentinel %s ready in %v", s.Master.Addr, s.Addr, time.Since(start))
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{MasterName: s.MasterName, Addrs: []string{s.Addr}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	sharedAccountChecks(t, rdb)
	t.Run("the account is on the master the Sentinel names", func(t *testing.T) {
		key := fleetKey(t)
		a := newAccount(rdb, key, WithTimeout(5*time.Second))
		_, err := a.Reserve(context.Background(), bucket)
		require.NoError(t, err)
		master := redis.NewClient(&redis.Options{Addr: s.Master.Addr})
		defer master.Close()
		n, err := master.Exists(context.Background(), a.key(bucket)).Result()
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
	})
}
