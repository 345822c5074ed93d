// Package testenv helps tests that run the go command on another module
// (a user's module requiring this checkout) build it the way the test
// binary itself was built, so that the packages the parent run compiled are
// reused from the build cache instead of being compiled a second time in
// another mode: under `go test -race ./...` that second, non-race build of
// the whole tree cost a newcomer's cold run more than a minute.
package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// GoTestArgs returns the arguments of a `go test` of another module, in
// the test binary's own race mode, followed by args.
func GoTestArgs(args ...string) []string {
	out := []string{"test"}
	if RaceEnabled {
		out = append(out, "-race")
	}
	return append(out, args...)
}

// Environ returns os.Environ() with extra appended and GORACE telling the
// race detector not to wait at exit, for a process a test starts (the test
// binary itself as the emulator, a go test of another module). A
// race-built program otherwise sleeps a second before it exits, to let
// other threads report; a race still fails the process (exit status 66)
// and its test. Options the caller's GORACE sets are kept, and win.
func Environ(extra ...string) []string {
	env := os.Environ()
	race := "atexit_sleep_ms=0"
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GORACE="); ok {
			race += " " + v
			env = append(env[:i:i], env[i+1:]...)
			break
		}
	}
	return append(append(env, "GORACE="+race), extra...)
}

// WriteFiles writes files (slash-separated path under root → content),
// creating their directories: a module or a repository for a test to read.
func WriteFiles(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
