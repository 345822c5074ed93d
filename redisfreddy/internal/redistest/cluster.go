package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ErrNoRedisServer is returned by StartCluster and StartSentinel on a
// machine where Start would use miniredis, which has neither mode.
var ErrNoRedisServer = errors.New("redistest: Redis Cluster and Sentinel need redis-server (this machine runs the tests on miniredis)")

// Cluster is a Redis Cluster of redis-server processes on loopback, each a
// master with an equal share of the slots and no replica.
type Cluster struct {
	// Addrs are the nodes' host:port, for redis.ClusterOptions.Addrs.
	Addrs []string
	procs []*exec.Cmd
	dir   string
}

// StartCluster starts n redis-server processes in cluster mode, each with
// its config file in a temporary directory, joins them into one cluster
// (CLUSTER ADDSLOTS, CLUSTER MEET) and returns once every node reports
// cluster_state:ok; an error, with every process stopped and the directory
// removed, if that does not happen within awaitBound, and ErrNoRedisServer
// on a machine without redis-server.
func StartCluster(n int) (c *Cluster, err error) {
	if Embedded() {
		return nil, ErrNoRedisServer
	}
	c = &Cluster{}
	defer func() {
		if err != nil {
			c.Stop()
			c = nil
		}
	}()
	if c.dir, err = os.MkdirTemp("", "redistest-cluster-"); err != nil {
		return c, err
	}
	// Each node has a client port and a cluster bus port, both chosen here
	// (the default bus port, port+10000, may be taken or out of range).
	ports, err := freePorts(2 * n)
	if err != nil {
		return c, err
	}
	for i := range n {
		port, bus := ports[2*i], ports[2*i+1]
		cmd, err := spawn("", "--port", port, "--cluster-enabled", "yes", "--cluster-port", bus,
			"--cluster-config-file", filepath.Join(c.dir, "nodes-"+port+".conf"), "--dir", c.dir)
		if err != nil {
			return c, err
		}
		c.procs = append(c.procs, cmd)
		c.Addrs = append(c.Addrs, "127.0.0.1:"+port)
	}
	for _, addr := range c.Addrs {
		if err := awaitPing(addr); err != nil {
			return c, err
		}
	}
	return c, c.join(ports)
}

// join gives node i the i-th share of the 16384 slots, introduces every
// node to the first, and waits for every node to see the whole cluster.
func (c *Cluster) join(ports []string) error {
	ctx := context.Background()
	const slots = 16384
	n := len(c.Addrs)
	for i, addr := range c.Addrs {
		rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		defer rdb.Close()
		// ADDSLOTS with every slot named, not ADDSLOTSRANGE (Redis 7 only).
		args := []any{"cluster", "addslots"}
		for s := i * slots / n; s < (i+1)*slots/n; s++ {
			args = append(args, s)
		}
		if err := rdb.Do(ctx, args...).Err(); err != nil {
			return fmt.Errorf("redistest: CLUSTER ADDSLOTS on %s: %w", addr, err)
		}
		if i > 0 {
			if err := rdb.Do(ctx, "cluster", "meet", "127.0.0.1", ports[0], ports[1]).Err(); err != nil {
				return fmt.Errorf("redistest: CLUSTER MEET from %s: %w", addr, err)
			}
		}
	}
	for _, addr := range c.Addrs {
		rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		defer rdb.Close()
		err := await(addr+" reporting cluster_state:ok", func(ctx context.Context) (bool, error) {
			info, err := rdb.ClusterInfo(ctx).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d\r", n)), nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Stop kills every node and removes their directory.
func (c *Cluster) Stop() {
	for _, cmd := range c.procs {
		kill(cmd)
	}
	if c.dir != "" {
		_ = os.RemoveAll(c.dir)
	}
}
