package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/redis/go-redis/v9"
)

// Sentinel is a redis-server master watched by one Sentinel, both on
// loopback.
type Sentinel struct {
	// Master is the master the Sentinel watches.
	Master *Server
	// Addr is the Sentinel's host:port, for redis.FailoverOptions.SentinelAddrs.
	Addr string
	// MasterName is the name the Sentinel knows the master by, for
	// redis.FailoverOptions.MasterName.
	MasterName string
	cmd        *exec.Cmd
	dir        string
}

// StartSentinel starts a master (Start) and a Sentinel monitoring it, with
// its config file in a temporary directory (a Sentinel rewrites its config),
// and returns once the Sentinel names the master's address; an error, with
// both stopped and the directory removed, if it does not within awaitBound,
// and ErrNoRedisServer on a machine without redis-server.
func StartSentinel() (s *Sentinel, err error) {
	if Embedded() {
		return nil, ErrNoRedisServer
	}
	s = &Sentinel{MasterName: "mymaster"}
	defer func() {
		if err != nil {
			s.Stop()
			s = nil
		}
	}()
	if s.Master, err = Start(""); err != nil {
		return s, err
	}
	if s.dir, err = os.MkdirTemp("", "redistest-sentinel-"); err != nil {
		return s, err
	}
	ports, err := freePorts(1)
	if err != nil {
		return s, err
	}
	s.Addr = "127.0.0.1:" + ports[0]
	_, masterPort, _ := net.SplitHostPort(s.Master.Addr)
	conf := filepath.Join(s.dir, "sentinel.conf")
	text := fmt.Sprintf("port %s\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %s 1\nsentinel down-after-milliseconds %s 1000\n",
		ports[0], s.dir, s.MasterName, masterPort, s.MasterName)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return s, err
	}
	if s.cmd, err = spawn(conf, "--sentinel"); err != nil {
		return s, err
	}
	rdb := redis.NewSentinelClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer rdb.Close()
	return s, await("the Sentinel at "+s.Addr+" naming its master", func(ctx context.Context) (bool, error) {
		addr, err := rdb.GetMasterAddrByName(ctx, s.MasterName).Result()
		return err == nil && len(addr) == 2 && addr[0]+":"+addr[1] == s.Master.Addr, nil
	})
}

// Stop kills the Sentinel and the master, and removes the directory.
func (s *Sentinel) Stop() {
	if s.cmd != nil {
		kill(s.cmd)
	}
	if s.Master != nil {
		s.Master.Stop()
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}
