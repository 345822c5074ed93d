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
