package freddy

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProxySleeperNeverWakesEarly: the delayProxy never delivers a chunk
// before it is due, whatever is left of the delay (none, a nanosecond's
// worth, less than the runtime's millisecond, more).
func TestProxySleeperNeverWakesEarly(t *testing.T) {
	s := newSleeper()
	defer s.close()
	for _, d := range []time.Duration{-time.Millisecond, 0, time.Nanosecond, time.Microsecond, 300 * time.Microsecond, 2 * time.Millisecond} {
		due := time.Now().Add(d)
		s.sleepUntil(due)
		assert.False(t, time.Now().Before(due), "woke before a due time %v away", d)
	}
}

// TestProxyLatenessSummary: takeLateness summarises the deliveries since the
// last call and starts a new count.
func TestProxyLatenessSummary(t *testing.T) {
	var p delayProxy
	for i := 10; i >= 1; i-- {
		p.noteLate(time.Duration(i) * time.Microsecond)
	}
	l := p.takeLateness()
	assert.Equal(t, lateness{n: 10, mean: 5500 * time.Nanosecond, median: 6 * time.Microsecond, p90: 10 * time.Microsecond, max: 10 * time.Microsecond}, l)
	assert.Equal(t, lateness{}, p.takeLateness())
}

// TestProxyProcessReportsItsDeliveries: a round trip through a proxy
// process is two deliveries, each at least the delay after its chunk was
// read, and the process reports them once.
func TestProxyProcessReportsItsDeliveries(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c) // echo until the client half-closes
	}()
	const delay = 2 * time.Millisecond
	proxy := startProxyProcess(t, ln.Addr().String(), delay)
	c, err := net.Dial("tcp", proxy.addr)
	require.NoError(t, err)
	defer c.Close()
	start := time.Now()
	_, err = c.Write([]byte("ping"))
	require.NoError(t, err)
	got := make([]byte, 4)
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 2*delay)
	assert.Equal(t, "ping", string(got))
	l := proxy.lateness(t)
	assert.Equal(t, 2, l.n)
	assert.GreaterOrEqual(t, l.max, l.median)
	assert.Equal(t, 0, proxy.lateness(t).n, "counted once")
}
