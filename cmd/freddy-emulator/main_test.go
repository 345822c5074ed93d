package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	freddy "github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// emulatorMain, set in a process's environment, makes this test binary the
// emulator: TestMain runs the command's main instead of the tests. The
// tests that run the emulator as a process of its own (signals, exit codes,
// its banner on stdout) start this binary so, instead of building the
// command again: a second, non-race build of the whole tree that cost a
// newcomer's `go test ./...` more than a minute.
const emulatorMain = "FREDDY_EMULATOR_RUN_MAIN"

// TestMain runs the emulator when asked to (see emulatorMain); otherwise it
// runs the tests and fails the run if an in-process server or an SDK
// connection outlives them.
func TestMain(m *testing.M) {
	if os.Getenv(emulatorMain) == "1" {
		main() // exits
	}
	goleak.VerifyTestMain(m)
}

// emulatorBinary returns the executable startProcess runs as the emulator:
// this test binary (see emulatorMain).
func emulatorBinary(t *testing.T) string {
	t.Helper()
	bin, err := os.Executable()
	require.NoError(t, err)
	return bin
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:12111": true,
		"127.1.2.3:0":     true,
		"[::1]:0":         true,
		"localhost:80":    true,
		"LOCALHOST:80":    true,
		"0.0.0.0:0":       false,
		":12111":          false,
		"[::]:0":          false,
		"10.0.0.1:80":     false,
		"example.com:80":  false,
		"127.0.0.1":       false, // no port: net.Listen would refuse it anyway
	} {
		assert.Equal(t, want, isLoopback(addr), addr)
	}
}

func TestRunRefuses(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-addr", "0.0.0.0:0"}, "pass -allow-remote"},
		{[]string{"-addr", ":0"}, "pass -allow-remote"},
		{[]string{"-api-key", ""}, "-api-key must not be empty"},
		{[]string{"-rate-window", "0s"}, "-rate-window must be positive"},
		{[]string{"-nope"}, "flag provided but not defined"},
		{[]string{"extra"}, "unexpected arguments: extra"},
		{[]string{"-addr", "127.0.0.1"}, "want host:port"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		assert.Equal(t, 2, code, tc.args)
		assert.Contains(t, stderr.String(), tc.want)
		assert.Empty(t, stdout.String())
	}
}

func TestRunInProcess(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	codes := make(chan int, 1)
	go func() {
		defer w.Close()
		codes <- run(ctx, []string{"-addr", "127.0.0.1:0", "-api-key", "fk_inproc", "-rate-limit", "5"}, w, os.Stderr)
	}()
	url, key := readBanner(t, r)
	assert.Equal(t, "fk_inproc", key)
	create(t, url, key)
	cancel()
	select {
	case code := <-codes:
		assert.Equal(t, 0, code)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}

// TestBinary runs the command's main as a separate process.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the emulator as a process")
	}
	if runtime.GOOS == "windows" {
		t.Skip("signals a process")
	}
	bin := emulatorBinary(t)

	t.Run("serves until SIGTERM", func(t *testing.T) {
		p := startProcess(t, bin, "-addr", "127.0.0.1:0")
		url, key := readBanner(t, p.stdout)
		assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+$`, url)
		assert.Equal(t, "fk_test_0123456789abcdef", key)
		create(t, url, key)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
		assert.Equal(t, 0, p.exitCode(t))
	})

	t.Run("refuses a remote address", func(t *testing.T) {
		p := startProcess(t, bin, "-addr", "0.0.0.0:0")
		assert.Equal(t, 2, p.exitCode(t))
		assert.Contains(t, p.stderr.String(), "pass -allow-remote")
	})

	t.Run("control API over plain HTTP, redacted", func(t *testing.T) {
		controlThroughBinary(t, bin)
	})

	t.Run("TLS with HTTP/2", func(t *testing.T) {
		tlsThroughBinary(t, bin)
	})

	t.Run("the Python fixture example", func(t *testing.T) {
		pythonFixture(t, bin)
	})

	t.Run("refuses the control API on a remote address", func(t *testing.T) {
		p := startProcess(t, bin, "-addr", "0.0.0.0:0", "-allow-remote", "-control")
		assert.Equal(t, 2, p.exitCode(t))
		assert.Contains(t, p.stderr.String(), "needs -allow-remote-control")
	})

	t.Run("allows a remote address when told", func(t *testing.T) {
		p := startProcess(t, bin, "-addr", "0.0.0.0:0", "-allow-remote", "-api-key", "fk_remote")
		url, key := readBanner(t, p.stdout)
		assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+$`, url, "every interface, reached at the loopback address")
		assert.Equal(t, "fk_remote", key)
		require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
		assert.Equal(t, 0, p.exitCode(t))
	})
}

type process struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader
	stderr *bytes.Buffer
	exited chan error
}

func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = testenv.Environ(emulatorMain + "=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &process{cmd: cmd, stdout: bufio.NewReader(stdout), stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	cmd.Stderr = p.stderr
	require.NoError(t, cmd.Start())
	go func() {
		// Wait closes stdout; readers are done with it by the time the
		// process exits, or fail on the closed pipe.
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// exitCode waits up to 10 s for the process to exit.
func (p *process) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case err := <-p.exited:
		p.exited <- err // for the cleanup
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		require.NoError(t, err)
		return 0
	case <-time.After(10 * time.Second):
		t.Fatal("the process did not exit within 10 s")
		return -1
	}
}

// readBanner reads the two start-up lines, within 10 s.
func readBanner(t *testing.T, r io.Reader) (url, key string) {
	t.Helper()
	type banner struct {
		lines []string
		err   error
	}
	got := make(chan banner, 1)
	go func() {
		br, ok := r.(*bufio.Reader)
		if !ok {
			br = bufio.NewReader(r)
		}
		var b banner
		for range 2 {
			line, err := br.ReadString('\n')
			if err != nil {
				b.err = err
				break
			}
			b.lines = append(b.lines, strings.TrimSuffix(line, "\n"))
		}
		got <- b
	}()
	select {
	case b := <-got:
		require.NoError(t, b.err, "lines so far: %q", b.lines)
		url, ok1 := strings.CutPrefix(b.lines[0], "freddy emulator listening on ")
		key, ok2 := strings.CutPrefix(b.lines[1], "API key: ")
		require.True(t, ok1 && ok2, "banner: %q", b.lines)
		return url, key
	case <-time.After(10 * time.Second):
		t.Fatal("no banner within 10 s")
		return "", ""
	}
}

// create makes one configuration through the SDK.
func create(t *testing.T, url, key string) {
	t.Helper()
	client, err := freddy.NewClient(freddy.WithBaseURL(url), freddy.WithAPIKey(key))
	require.NoError(t, err)
	cfg, err := client.Configurations.Create(context.Background(), freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "From the emulator test",
		Credentials:         freddy.BearerCredentials("ghp_test"),
	})
	require.NoError(t, err)
	assert.Regexp(t, `^pconf_[0-9a-f]{16}$`, cfg.ID)
	assert.Equal(t, "***REDACTED***", cfg.Credentials)
}

// TestRunBadCertPathFailsBeforeBanner: a script that sees the banner takes
// the emulator as ready, so nothing may fail after it.
func TestRunBadCertPathFailsBeforeBanner(t *testing.T) {
	var stdout, stderr bytes.Buffer
	bad := filepath.Join(t.TempDir(), "missing", "x.pem")
	code := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-tls", "-tls-cert", bad}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout.String(), "no banner, no API key")
	assert.Contains(t, stderr.String(), "-tls-cert")
	assert.Contains(t, stderr.String(), bad)
}

// TestRunRefusesEachFlagByName: each bad flag gets its own message, naming
// it and no other, and exit code 2 with nothing on stdout.
func TestRunRefusesEachFlagByName(t *testing.T) {
	flags := []string{"-api-key", "-rate-limit", "-rate-window", "-request-log", "-tls-host", "-idempotency-window"}
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"-api-key", ""}, "-api-key"},
		{[]string{"-rate-window", "0s"}, "-rate-window"},
		{[]string{"-rate-window", "-1m"}, "-rate-window"},
		{[]string{"-rate-limit", "-1"}, "-rate-limit"},
		{[]string{"-request-log", "-1"}, "-request-log"},
		{[]string{"-idempotency-window", "0s"}, "-idempotency-window"},
		{[]string{"-tls", "-tls-host", "bad host"}, "-tls-host"},
		{[]string{"-tls", "-tls-host", "ok,http://x"}, "-tls-host"},
		{[]string{"-tls", "-tls-host", "a,,b"}, "-tls-host"},
		{[]string{"-tls", "-tls-host", "-lead.example"}, "-tls-host"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, tc.args...), &stdout, &stderr)
		assert.Equal(t, 2, code, tc.args)
		assert.Empty(t, stdout.String(), tc.args)
		assert.Contains(t, stderr.String(), tc.flag, tc.args)
		for _, other := range flags {
			if other != tc.flag {
				assert.NotContains(t, stderr.String(), other+" ", "%v: names only its flag: %s", tc.args, stderr.String())
			}
		}
	}
}
