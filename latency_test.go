package freddy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aitronos/freddy-go/internal/testenv"
	"github.com/stretchr/testify/require"
)

// delayProxy is a loopback TCP proxy that delivers every chunk it reads
// delay after it read it, in each direction: a round trip through it takes
// at least 2×delay, and chunks in flight overlap as on a long link (the
// delay is latency, not bandwidth). TLS passes through it untouched.
//
// It delivers on time as a network would, the same for every client it
// carries: a sleeper (a timerfd on Linux) wakes its writer, where
// time.Sleep, which the Go runtime rounds to whole milliseconds, made each
// delivery about half a millisecond late on average and each round trip
// about one; and it sets up connections opened together in parallel. It
// records how late each delivery still is (takeLateness, the load runs
// report it), so that a run can tell the proxy's share of a round trip
// from the client's.
type delayProxy struct {
	ln     net.Listener
	target string
	delay  time.Duration

	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
	closed bool
	// late is how long after its due time each chunk was written, since
	// the last takeLateness.
	late []time.Duration
}

// startDelayProxy starts a proxy to target (host:port) on a free loopback
// port; close stops it and waits for its goroutines.
func startDelayProxy(target string, delay time.Duration) (*delayProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &delayProxy{ln: ln, target: target, delay: delay}
	p.wg.Go(p.serve)
	return p, nil
}

// proxyEnv, set to "target delay" (host:port and a time.Duration), makes a
// test binary a delayProxy process (TestMain): see newProxyProcess.
const proxyEnv = "FREDDY_DELAY_PROXY"

// proxyProcess is a delayProxy running in a process of its own.
type proxyProcess struct {
	addr string
	in   io.Writer
	out  *bufio.Reader
}

// newProxyProcess starts a delayProxy to target in a process of its own (the
// test binary again, see serveProxyProcess) and returns its host:port; the
// test's cleanup stops it. In the test's own process the proxy's
// deliveries share the Go scheduler with the code measured: a goroutine
// sleeping a millisecond at a time (a ListAll loop's simulated work)
// stretches each round trip through an in-process proxy by about 1 ms, which
// a real network does not do.
func newProxyProcess(t testing.TB, target string, delay time.Duration) string {
	return startProxyProcess(t, target, delay).addr
}

// startProxyProcess is newProxyProcess, returning the process so that the
// test can ask it how late its deliveries were (lateness).
func startProxyProcess(t testing.TB, target string, delay time.Duration) *proxyProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = testenv.Environ(proxyEnv + "=" + target + " " + delay.String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = stdin.Close() // the proxy's signal to stop
		_ = cmd.Wait()
	})
	p := &proxyProcess{in: stdin, out: bufio.NewReader(stdout)}
	addr, err := p.out.ReadString('\n')
	require.NoError(t, err, "the proxy process says its address")
	p.addr = strings.TrimSpace(addr)
	return p
}

// lateness returns how late the proxy delivered its chunks since the
// previous call (or its start), and starts a new count.
func (p *proxyProcess) lateness(t testing.TB) lateness {
	t.Helper()
	_, err := io.WriteString(p.in, "lateness\n")
	require.NoError(t, err)
	line, err := p.out.ReadString('\n')
	require.NoError(t, err)
	var l lateness
	_, err = fmt.Sscan(line, &l.n, &l.mean, &l.median, &l.p90, &l.max, &l.cpu)
	require.NoError(t, err, "the proxy's lateness line %q", line)
	return l
}

// lateness summarises how long after its due time each chunk was written,
// and the CPU time the proxy process used meanwhile.
type lateness struct {
	n                      int
	mean, median, p90, max time.Duration
	cpu                    time.Duration
}

// serveProxyProcess is a proxy process's life (TestMain, when proxyEnv is
// set): it prints the proxy's address, answers each "lateness" line on its
// stdin with its deliveries' lateness since the last one (n, mean, median,
// p90 and max) and the CPU time it used meanwhile, in nanoseconds, and
// serves until its stdin ends.
func serveProxyProcess(spec string) int {
	target, d, _ := strings.Cut(spec, " ")
	delay, err := time.ParseDuration(d)
	if err != nil {
		fmt.Fprintln(os.Stderr, "proxy process:", err)
		return 2
	}
	p, err := startDelayProxy(target, delay)
	if err != nil {
		fmt.Fprintln(os.Stderr, "proxy process:", err)
		return 1
	}
	fmt.Println(p.Addr())
	in := bufio.NewScanner(os.Stdin)
	cpu := cpuTime()
	for in.Scan() {
		l := p.takeLateness()
		now := cpuTime()
		l.cpu, cpu = now-cpu, now
		fmt.Println(l.n, int64(l.mean), int64(l.median), int64(l.p90), int64(l.max), int64(l.cpu))
	}
	p.close()
	return 0
}

// Addr is the proxy's host:port.
func (p *delayProxy) Addr() string { return p.ln.Addr().String() }

// serve accepts connections and connects each to the target on a goroutine
// of its own: connections opened at once are set up at once, as on a
// network, not one upstream dial after another (which spread 16 handshakes
// started together over 8–12 ms before their first bytes went through).
func (p *delayProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.connect(c) })
	}
}

// connect joins c to a new connection to the target.
func (p *delayProxy) connect(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	if !p.track(c, up) {
		return
	}
	p.wg.Go(func() { p.pipe(up, c) })
	p.wg.Go(func() { p.pipe(c, up) })
}

// track records a connection pair for close; false once the proxy closed.
func (p *delayProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range cs {
			_ = c.Close()
		}
		return false
	}
	p.conns = append(p.conns, cs...)
	return true
}

type chunk struct {
	b   []byte
	due time.Time
}

// pipe copies src to dst, each chunk delay after it was read; at src's end
// it half-closes dst once everything read before has been delivered.
func (p *delayProxy) pipe(dst, src net.Conn) {
	ch := make(chan chunk, 1024)
	p.wg.Go(func() {
		defer close(ch)
		// One buffer to read into, and a copy the size of each chunk: a
		// fresh 32 KiB a read, cleared and collected, was a fifth of the
		// proxy's CPU, spent on the cores the measured process runs on.
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				ch <- chunk{slices.Clone(buf[:n]), time.Now().Add(p.delay)}
			}
			if err != nil {
				return
			}
		}
	})
	sleep := newSleeper()
	defer sleep.close()
	failed := false
	for c := range ch {
		if failed {
			continue // drain, so that the reader can end
		}
		sleep.sleepUntil(c.due)
		p.noteLate(time.Since(c.due))
		if _, err := dst.Write(c.b); err != nil {
			failed = true
			_ = src.Close()
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	} else {
		_ = dst.Close()
	}
}

// noteLate records one delivery's lateness.
func (p *delayProxy) noteLate(d time.Duration) {
	p.mu.Lock()
	p.late = append(p.late, d)
	p.mu.Unlock()
}

// takeLateness summarises the deliveries' lateness since the last call.
func (p *delayProxy) takeLateness() lateness {
	p.mu.Lock()
	late := p.late
	p.late = nil
	p.mu.Unlock()
	l := lateness{n: len(late)}
	if l.n == 0 {
		return l
	}
	slices.Sort(late)
	var sum time.Duration
	for _, d := range late {
		sum += d
	}
	l.mean, l.median, l.p90, l.max = sum/time.Duration(l.n), late[l.n/2], late[l.n*9/10], late[l.n-1]
	return l
}

func (p *delayProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
