package main

import (
	"os/exec"
	"testing"

	"github.com/aitronos/freddy-go/internal/testenv"
)

// pythonFixture runs docs/testing.md's Python example, a stdlib-only fixture that
// drives the emulator's control API, and fails with its output. It
// is skipped without python3; .ci/run installs python3 and runs it too.
func pythonFixture(t *testing.T, bin string) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH")
	}
	cmd := exec.Command(python, "../../examples/python-emulator/test_emulator.py")
	// bin is this test binary: the emulator's processes the fixture starts
	// inherit emulatorMain, which makes them run the emulator's main.
	cmd.Env = testenv.Environ("FREDDY_EMULATOR="+bin, emulatorMain+"=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
