package modules

import (
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// coreGo is the go directive the core keeps: a user on the previous Go
// release can build it.
const coreGo = "1.25"

// root is the repository's root, from this package's directory.
const root = "../.."

// TestCoreStaysOnGo125 fails when the core's go.mod asks for a newer Go
// than 1.25, or requires a module (directly or through its graph) whose
// go.mod does: the go command would raise the core's go line to match at
// the next tidy (golang.org/x/sys v0.48.0, which the side modules require,
// says go 1.26.0).
func TestCoreStaysOnGo125(t *testing.T) {
	mods, err := Find(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := mods[0].Go; got != coreGo {
		t.Errorf("go.mod: go %s, want go %s (the core builds with the previous Go release)", got, coreGo)
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
	out := goCommand(t, dir, "list", "-m", "-f", "{{.Path}} {{.Version}} {{.GoVersion}}", "all")
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) == 3 && version.Compare("go"+f[2], "go"+coreGo) > 0 {
			t.Errorf("the core's module graph has %s %s, whose go.mod says go %s: it raises the core's go line above %s", f[0], f[1], f[2], coreGo)
		}
	}
}

// TestGoWorkSyncLeavesTheCore finds every go.work of the repository (test
// data excepted) and fails on one that is not a side module's own: a
// workspace anywhere else (the root, examples/) can use the core with a
// side module. Then it runs `go work sync` in each of them in a copy of
// the repository and fails when the core's go.mod changed: a workspace
// that uses the core with a side module would get the side module's
// versions written into it, and its go line raised to 1.26.
func TestGoWorkSyncLeavesTheCore(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(root)); err != nil {
		t.Fatal(err)
	}
	mods, err := Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	works, err := WorkFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	synced := 0
	for _, w := range works {
		if w == "." || !slices.ContainsFunc(mods, func(m Module) bool { return m.Dir == w }) {
			t.Errorf("%s/go.work: a go.work belongs only at a side module's root", w)
			continue
		}
		goCommand(t, filepath.Join(dir, filepath.FromSlash(w)), "work", "sync")
		synced++
	}
	if synced == 0 {
		t.Fatal("no go.work in the repository: nothing checked")
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		before, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		after, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(after) != string(before) {
			t.Errorf("go work sync changed the core's %s:\n%s\nwas:\n%s", name, after, before)
		}
	}
}

// goCommand runs the go command in dir offline, with the workspace (if
// any) of dir, and returns its standard output.
func goCommand(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=", "GOFLAGS=", "GOPROXY=off", "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr)
	}
	return string(out)
}
