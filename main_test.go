package freddy

import (
	"flag"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind: a stuck
// retry wait, a body reader or a connection the SDK forgot to close. Tests
// close their clients' idle connections in Cleanup first.
func TestMain(m *testing.M) {
	if spec := os.Getenv(proxyEnv); spec != "" {
		// A load run's proxy process (newProxyProcess): no tests.
		os.Exit(serveProxyProcess(spec))
	}
	goleak.VerifyTestMain(m)
}

// long runs the measurements that take tens of seconds under -race (the
// connection pool under 64 and 128 goroutines, ListAll's heap over 11,000
// items). .ci/run runs them with -long; README's test command, which a
// newcomer waits for, leaves them out.
var long = flag.Bool("long", false, "run the long-running measurements too (.ci/run sets it)")

// longTest skips t unless -long is given.
func longTest(t *testing.T) {
	t.Helper()
	if !*long {
		t.Skip("long-running measurement: run with -long (.ci/run does)")
	}
}
