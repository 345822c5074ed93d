package freddy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
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
type delayProxy struct {
	ln     net.Listener
	target string
	delay  time.Duration

	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
	closed bool
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

// newProxyProcess starts a delayProxy to target in a process of its own (the
// test binary again, see serveProxyProcess) and returns its host:port; the
// test's cleanup stops it. In the test's own process the proxy's
// deliveries share the Go scheduler with the code measured: a goroutine
// sleeping a millisecond at a time (a ListAll loop's simulated work)
// stretches each round trip through an in-process proxy by about 1 ms, which
// a real network does not do.
func newProxyProcess(t testing.TB, target string, delay time.Duration) string {
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
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "the proxy process says its address")
	return strings.TrimSpace(addr)
}

// serveProxyProcess is a proxy process's life (TestMain, when proxyEnv is
// set): it prints the proxy's address and serves until its stdin ends.
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
	_, _ = io.Copy(io.Discard, os.Stdin)
	p.close()
	return 0
}

// Addr is the proxy's host:port.
func (p *delayProxy) Addr() string { return p.ln.Addr().String() }

func (p *delayProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		if !p.track(c, up) {
			return
		}
		p.wg.Go(func() { p.pipe(up, c) })
		p.wg.Go(func() { p.pipe(c, up) })
	}
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
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				ch <- chunk{buf[:n], time.Now().Add(p.delay)}
			}
			if err != nil {
				return
			}
		}
	})
	failed := false
	for c := range ch {
		if failed {
			continue // drain, so that the reader can end
		}
		time.Sleep(time.Until(c.due))
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
