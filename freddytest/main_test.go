package freddytest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a handler, a stall, a connection or the accept
// loop outlives the tests: Close must leave nothing behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
