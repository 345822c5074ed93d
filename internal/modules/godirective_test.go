package modules

import (
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// coreGo is the go directive the core keeps: a user on the previous Go
// release can build it.
const coreGo = "1.25"

// TestCoreStaysOnGo125 fails when the core's go.mod asks for a newer Go
// than 1.25, or requires a module (directly or through its graph) whose
// go.mod does: the go command would raise the core's go line to match at
// the next tidy. That is what `go work sync` does: it writes the
// workspace's versions (golang.org/x/sys v0.48.0, go 1.26.0, from the side
// modules) into the core's go.mod. CONTRIBUTING says not to run it.
func TestCoreStaysOnGo125(t *testing.T) {
	mods, err := Find(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := mods[0].Go; got != coreGo {
		t.Errorf("go.mod: go %s, want go %s (the core builds with the previous Go release; did go work sync raise it?)", got, coreGo)
	}
	// The core alone, as a proxy user's build sees it: no workspace, and
	// a copy of its go.mod and go.sum that -mod=mod may complete.
	dir := t.TempDir()
	for _, name := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Path}} {{.Version}} {{.GoVersion}}", "all")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -m all: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 3 && version.Compare("go"+f[2], "go"+coreGo) > 0 {
			t.Errorf("the core's module graph has %s %s, whose go.mod says go %s: it raises the core's go line above %s (go work sync writes the side modules' versions into the core's go.mod; don't run it)", f[0], f[1], f[2], coreGo)
		}
	}
}

// root is the repository's root, from this package's directory.
const root = "../.."
