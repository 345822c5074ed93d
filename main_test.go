package freddy

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind: a stuck
// retry wait, a body reader or a connection the SDK forgot to close. Tests
// close their clients' idle connections in Cleanup first.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
