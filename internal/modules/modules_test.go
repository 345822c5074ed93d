package modules

import (
	"reflect"
	"testing"

	"github.com/aitronos/freddy-go/internal/testenv"
)

func TestNewestRelease(t *testing.T) {
	for text, want := range map[string]string{
		"# C\n\n## 0.4.0\n\n## [0.3.0] - 2026-12-03\n": "v0.4.0",
		"# C\n\n## [0.3.0] - 2026-12-03\n":             "v0.3.0",
		"# C\n\n## v1.2.3\n":                           "v1.2.3",
		"# C\n\n## [Unreleased]\n\n## 0.4.0\n":         "v0.4.0",
		"# C\n\n### 9.9.9\n\n## Unreleased\n":          "",
	} {
		got, err := NewestRelease(text)
		if got.Version != want || (want == "") != (err != nil) {
			t.Errorf("NewestRelease(%q) = %q, %v; want %q", text, got.Version, err, want)
		}
	}
}

func TestBreakingIsTheNewestSectionsOnly(t *testing.T) {
	r, err := NewestRelease("# C\n\n## 0.4.0\n\n### Added\n- Foo\n\n### Breaking changes\n- `Bar` is gone.\n\n### Fixed\n- Baz\n\n## 0.3.0\n\n### Breaking changes\n- Old\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Breaking(); got != "- `Bar` is gone.\n\n" {
		t.Errorf("Breaking() = %q", got)
	}
}

// TestPendingBreakingAndLastRelease: the Breaking entries the next release
// announces are those of every section above the newest released (dated)
// one, whether it is headed "## [Unreleased]" or "## X.Y.Z" with no date
// yet; a "## " heading that is no release ends a section.
func TestPendingBreakingAndLastRelease(t *testing.T) {
	for text, want := range map[string]struct{ pending, last string }{
		"# C\n\n## [Unreleased]\n\n### Breaking changes\n- U\n\n## 0.4.0\n\n### Breaking\n- P\n\n### Fixed\n- F\n\n## [0.3.0] - 2026-12-03\n\n### Breaking changes\n- Old\n\n## [0.2.0] - 2026-11-25\n": {"- U\n\n- P\n\n", "v0.3.0"},
		"# C\n\n## Unreleased\n\n### Breaking changes\n- U\n\n## v0.4.0 - 2026-12-08\n\n### Breaking changes\n- Old\n":                                                                                  {"- U\n\n", "v0.4.0"},
		"# C\n\n## 0.4.0\n\n### Breaking changes\n- P\n\n## Notes\n\n### Breaking changes\n- not a release\n":                                                                                           {"- P\n\n", ""},
	} {
		c := ParseChangelog(text)
		if got := (struct{ pending, last string }{c.PendingBreaking(), c.LastRelease()}); got != want {
			t.Errorf("ParseChangelog(%q): PendingBreaking, LastRelease = %q, want %q", text, got, want)
		}
	}
}

func TestFindAndPackages(t *testing.T) {
	root := t.TempDir()
	testenv.WriteFiles(t, root, map[string]string{
		"go.mod":                "module example.com/core\n\ngo 1.25\n\nrequire (\n\texample.com/dep v1.0.0 // indirect\n)\n\nexclude example.com/dep v0.9.0\n",
		"core.go":               "package core\n",
		"core_test.go":          "package core_test\n",
		"internal/x/x.go":       "package x\n",
		"cmd/tool/main.go":      "package main\n",
		"sub/sub.go":            "package sub\n",
		"side/go.mod":           "module example.com/core/side\n\nrequire example.com/core v0.4.0\n\nreplace (\n\texample.com/core v0.4.0 => ../ // a comment\n)\n",
		"side/side.go":          "package side\n",
		"testdata/mod/go.mod":   "module example.com/ignored\n",
		".hidden/go.mod":        "module example.com/hidden\n",
		"side/testdata/data.go": "package data\n",
	})
	mods, err := Find(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []Module{
		{Path: "example.com/core", Dir: ".", Go: "1.25", Requires: map[string][]string{"example.com/dep": {"v1.0.0"}}, Excludes: []string{"example.com/dep v0.9.0"}},
		{Path: "example.com/core/side", Dir: "side", Requires: map[string][]string{"example.com/core": {"v0.4.0"}}, Replaces: []string{"example.com/core v0.4.0 => ../"}},
	}
	if !reflect.DeepEqual(mods, want) {
		t.Fatalf("Find = %+v, want %+v", mods, want)
	}
	var got []string
	for _, m := range mods {
		pkgs, err := Packages(root, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			got = append(got, p.ImportPath+" "+p.Name)
		}
	}
	if want := []string{"example.com/core core", "example.com/core/sub sub", "example.com/core/side side"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Packages = %q, want %q", got, want)
	}
}

// TestBreakingIsWhatAReaderSees: only the list under a "### Breaking
// changes" (or "### Breaking") heading counts, up to the next heading of
// any level; nothing in a code fence or an HTML comment, nothing under a
// heading that merely starts with "Breaking".
func TestBreakingIsWhatAReaderSees(t *testing.T) {
	for name, c := range map[string]struct{ text, want string }{
		"fence under another heading":    {"### Added\n```\n- freddy.A\n```\n", ""},
		"fence under Breaking":           {"### Breaking changes\n- freddy.B\n~~~go\n- freddy.A\n~~~\n", "- freddy.B\n"},
		"one-line comment":               {"### Breaking changes\n<!-- - freddy.A -->\n- freddy.B <!-- freddy.C -->\n", "- freddy.B \n"},
		"multi-line comment":             {"### Breaking changes\n<!--\n- freddy.A\n-->\n- freddy.B\n", "- freddy.B\n"},
		"commented-out section":          {"### Fixed\n- x\n<!--\n### Breaking changes\n- freddy.A\n-->\n", ""},
		"heading starting with Breaking": {"### Breakingly good news\n- freddy.A\n", ""},
		"deeper subheading ends it":      {"### Breaking changes\n- freddy.B\n#### Not breaking\n- freddy.A\n", "- freddy.B\n"},
		"case and short heading":         {"### BREAKING\n- freddy.B\n## [0.3.0] - 2026-12-03\n", "- freddy.B\n"},
	} {
		r := Release{Version: "v0.4.0", Text: "## 0.4.0\n\n" + c.text}
		if got := r.Breaking(); got != c.want {
			t.Errorf("%s: Breaking(%q) = %q, want %q", name, c.text, got, c.want)
		}
	}
}
