package freddytest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aitronos/freddy-go/internal/testenv"
)

// TestTestBenchInAnotherModule runs testdata/outside in a new module that
// requires this checkout, as a user's module would: a create-then-test flow
// that one targeted fault fails at the health check only, and the whole
// lifecycle over StartTLS with HTTP/2.
func TestTestBenchInAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	checkout, err := filepath.Abs("..")
	require.NoError(t, err)
	dir := t.TempDir()
	write := func(name string, content []byte) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), content, 0o644))
	}
	write("go.mod", []byte("module example.com/provision\n\ngo 1.25\n\nrequire github.com/aitronos/freddy-go v0.0.0\n\nreplace github.com/aitronos/freddy-go => "+checkout+"\n"))
	sum, err := os.ReadFile(filepath.Join(checkout, "go.sum"))
	require.NoError(t, err)
	write("go.sum", sum)
	src, err := os.ReadFile(filepath.Join("testdata", "outside", "testbench_test.go"))
	require.NoError(t, err)
	write("testbench_test.go", src)
	cmd := exec.Command("go", testenv.GoTestArgs("-count=1", "-v", ".")...)
	cmd.Dir = dir
	cmd.Env = testenv.Environ("GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, want := range []string{"--- PASS: TestOnlyTheHealthCheckFails", "--- PASS: TestLifecycleOverTLS"} {
		assert.Contains(t, string(out), want)
	}
}
