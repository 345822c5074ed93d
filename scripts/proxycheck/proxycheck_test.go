package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aitronos/freddy-go/internal/testenv"
)

const core = "github.com/aitronos/freddy-go"

// tree writes files (path → content) under a new directory.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	testenv.WriteFiles(t, root, files)
	return root
}

// repo is a repository with a core and one side module requiring the core
// at sideRequires, and the given side/go.work.
func repo(t *testing.T, sideRequires, work string) string {
	return tree(t, map[string]string{
		"CHANGELOG.md":        "# Changelog\n\n## 0.4.0\n\n### x\n\n## [0.3.0] - 2026-12-03\n",
		"go.mod":              "module " + core + "\n\ngo 1.25\n",
		"freddy.go":           "package freddy\n\nconst Version = \"0.4.0\"\n",
		"internal/x/x.go":     "package x\n",
		"cmd/tool/main.go":    "package main\n",
		"side/go.mod":         "module " + core + "/side\n\ngo 1.26.0\n\nrequire (\n\t" + core + " " + sideRequires + "\n\tgo.example/other v1.2.3 // indirect\n)\n",
		"side/side.go":        "package side\n",
		"side/sub/sub.go":     "package sub\n",
		"side/testdata/x.txt": "data\n",
		"side/go.work":        work,
	})
}

const goodWork = "go 1.26.0\n\nuse .\n\nreplace " + core + " v0.4.0 => ../\n"

// problems runs every check proxycheck makes before writing a proxy.
func problems(t *testing.T, root string) string {
	t.Helper()
	err := run(root, "", "")
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestAGoodTreePasses(t *testing.T) {
	if p := problems(t, repo(t, "v0.4.0", goodWork)); p != "" {
		t.Fatal(p)
	}
}

func TestASideModuleMustRequireTheChangelogVersion(t *testing.T) {
	for _, version := range []string{"v0.0.0", "v0.3.0", "v0.4.1"} {
		p := problems(t, repo(t, version, goodWork))
		want := "side/go.mod requires " + core + " " + version + ", but CHANGELOG.md names v0.4.0"
		if !strings.Contains(p, want) {
			t.Errorf("side requiring %s: got %q, want it to say %q", version, p, want)
		}
	}
}

// TestAPublishedGoModHasNoReplaceOrExclude: a proxy user's build ignores
// both, in the core's go.mod as in a side module's, one-line or block form;
// go.work's replace (goodWork has one) is fine.
func TestAPublishedGoModHasNoReplaceOrExclude(t *testing.T) {
	for _, c := range []struct{ file, directive, want string }{
		{"side/go.mod", "replace " + core + " v0.4.0 => ../", `side/go.mod has "replace ` + core + ` v0.4.0 => ../"`},
		{"go.mod", "exclude (\n\tgo.example/other v1.2.3\n)", `./go.mod has "exclude go.example/other v1.2.3"`},
		{"side/go.mod", "replace(\n\t" + core + " v0.4.0 => ../\n)", `side/go.mod has "replace ` + core + ` v0.4.0 => ../"`},
		{"go.mod", "exclude(\n\tgo.example/other v1.2.3 // why\n)", `./go.mod has "exclude go.example/other v1.2.3"`},
		{"go.mod", "replace \"go.example/other\" v1.2.3 => ../other// why", `./go.mod has "replace go.example/other v1.2.3 => ../other"`},
	} {
		root := repo(t, "v0.4.0", goodWork)
		appendFile(t, filepath.Join(root, c.file), "\n"+c.directive+"\n")
		if p := problems(t, root); !strings.Contains(p, c.want) {
			t.Errorf("%s with %q: got %q, want it to say %q", c.file, c.directive, p, c.want)
		}
	}
}

// TestASideModuleRequiresTheCoreOnce: the go command would refuse a go.mod
// requiring a module twice only at some commands; a second requirement of
// the core, one-line then in a block, is a problem whatever versions.
func TestASideModuleRequiresTheCoreOnce(t *testing.T) {
	root := repo(t, "v0.4.0", goodWork)
	name := filepath.Join(root, "side", "go.mod")
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "require (", "require "+core+" v0.0.0\n\nrequire (", 1)
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "side/go.mod requires " + core + " more than once (v0.0.0, v0.4.0)"
	if p := problems(t, root); !strings.Contains(p, want) {
		t.Errorf("side/go.mod %q: got %q, want it to say %q", text, p, want)
	}
}

func appendFile(t *testing.T, name, text string) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// TestEachSideModuleHasItsOwnWorkspace: a side module's go.work uses that
// module alone (with the core or another module in it, go work sync would
// change their go.mod) and reads the released core from the checkout; no
// go.work at the root.
func TestEachSideModuleHasItsOwnWorkspace(t *testing.T) {
	for work, want := range map[string]string{
		"go 1.26.0\n\nuse (\n\t.\n\t..\n)\n\nreplace " + core + " v0.4.0 => ../\n": `side/go.work uses ["." ".."], want only "."`,
		"go 1.26.0\n\nuse .\n\nreplace " + core + " v0.3.0 => ../\n":               `side/go.work replaces ` + core + ` "v0.3.0" => "..", want v0.4.0 => ..`,
		"go 1.26.0\n\nuse .\n\nreplace " + core + " v0.4.0 => ./\n":                `side/go.work replaces ` + core + ` "v0.4.0" => ".", want v0.4.0 => ..`,
		"go 1.26.0\n\nuse .\n": `side/go.work replaces ` + core + ` "" => "", want v0.4.0 => ..`,
	} {
		if p := problems(t, repo(t, "v0.4.0", work)); !strings.Contains(p, want) {
			t.Errorf("side/go.work %q: got %q, want it to say %q", work, p, want)
		}
	}
	root := repo(t, "v0.4.0", goodWork)
	if err := os.Remove(filepath.Join(root, "side", "go.work")); err != nil {
		t.Fatal(err)
	}
	testenv.WriteFiles(t, root, map[string]string{"go.work": "go 1.26.0\n\nuse (\n\t.\n\t./side\n)\n"})
	p := problems(t, root)
	for _, want := range []string{"side/go.work: open", "go.work at the root: the core would be a workspace module"} {
		if !strings.Contains(p, want) {
			t.Errorf("got %q, want it to say %q", p, want)
		}
	}
}

// TestNoOtherWorkspace: a go.work anywhere but a side module's root (here
// examples/go.work using the core and the side module) would let go work
// sync there change the core's go.mod; test data is not the repository's.
func TestNoOtherWorkspace(t *testing.T) {
	root := repo(t, "v0.4.0", goodWork)
	testenv.WriteFiles(t, root, map[string]string{
		"examples/go.work":          "go 1.26.0\n\nuse (\n\t..\n\t../side\n)\n",
		"side/sub/go.work":          "go 1.26.0\n\nuse ..\n",
		"side/testdata/w/go.work":   "go 1.26.0\n\nuse .\n",
		"internal/testdata/go.work": "go 1.26.0\n\nuse ..\n",
	})
	p := problems(t, root)
	for _, want := range []string{"examples/go.work: a go.work belongs only at a side module's root", "side/sub/go.work: a go.work belongs only at a side module's root"} {
		if !strings.Contains(p, want) {
			t.Errorf("got %q, want it to say %q", p, want)
		}
	}
	if strings.Contains(p, "testdata") {
		t.Errorf("got %q: a go.work under testdata is not the repository's", p)
	}
}

// TestProxyLayout: each module's zip holds its own files under
// path@version/, never another module's, and its public packages exclude
// internal ones and commands.
func TestProxyLayout(t *testing.T) {
	root := repo(t, "v0.4.0", goodWork)
	out, consumers := t.TempDir(), t.TempDir()
	if err := run(root, out, consumers); err != nil {
		t.Fatal(err)
	}
	names := func(zipPath string) string {
		zr, err := zip.OpenReader(zipPath)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		var n []string
		for _, f := range zr.File {
			n = append(n, f.Name)
		}
		return strings.Join(n, " ")
	}
	coreZip := names(filepath.Join(out, core, "@v", "v0.4.0.zip"))
	if !strings.Contains(coreZip, core+"@v0.4.0/freddy.go") || strings.Contains(coreZip, "side/") {
		t.Errorf("core zip: %s", coreZip)
	}
	sideZip := names(filepath.Join(out, core, "side", "@v", "v0.4.0.zip"))
	for _, want := range []string{core + "/side@v0.4.0/go.mod", core + "/side@v0.4.0/sub/sub.go", core + "/side@v0.4.0/testdata/x.txt"} {
		if !strings.Contains(sideZip, want) {
			t.Errorf("side zip %s lacks %s", sideZip, want)
		}
	}
	program, err := os.ReadFile(filepath.Join(consumers, "0", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(program), "internal") || strings.Contains(string(program), "cmd/tool") {
		t.Errorf("core consumer imports a non-public package:\n%s", program)
	}
	program, err = os.ReadFile(filepath.Join(consumers, "1", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`freddy "` + core + `"`, `_ "` + core + `/side"`, `_ "` + core + `/side/sub"`} {
		if !strings.Contains(string(program), want) {
			t.Errorf("side consumer lacks %s:\n%s", want, program)
		}
	}
}

func TestEscapePath(t *testing.T) {
	if got := escapePath("github.com/BurntSushi/toml"); got != "github.com/!burnt!sushi/toml" {
		t.Errorf("escapePath = %q", got)
	}
}
