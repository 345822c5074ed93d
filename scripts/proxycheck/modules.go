// Command proxycheck builds a file-based module proxy (GOPROXY=file://…)
// from a working tree: every module of the repository at the version
// CHANGELOG.md names, laid out by the module proxy protocol
// (https://go.dev/ref/mod#goproxy-protocol). Before writing anything it
// checks what a proxy user depends on: every side module (a directory below
// the root with its own go.mod) requires the core at exactly that version,
// never v0.0.0 or another, and the checked-in go.work uses every module and
// points the core's version at this checkout.
//
//	go run ./scripts/proxycheck -root . -out DIR
//
// It prints one line per module, "path version", for scripts/proxycheck.sh,
// which fetches each one alone from the proxy in a fresh module and builds a
// program against it.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// module is one go.mod of the repository.
type module struct {
	Path string // module path, from its module line
	Dir  string // its directory, relative to the root ("." for the core)
	// Requires maps each required module path to its version.
	Requires map[string]string
}

// release is what the check decides from the tree: the version every module
// is published at, the core and the side modules.
type release struct {
	Version string // "v0.4.0"
	Core    module
	Sides   []module
}

// versionHeading is a CHANGELOG release heading: "## 0.4.0",
// "## [0.3.0] - 2026-12-03", "## v0.4.0".
var versionHeading = regexp.MustCompile(`^## \[?v?(\d+\.\d+\.\d+)\]?(\s|$)`)

// changelogVersion returns the first (newest) version CHANGELOG.md names.
func changelogVersion(text string) (string, error) {
	for line := range strings.Lines(text) {
		if m := versionHeading.FindStringSubmatch(strings.TrimRight(line, "\r\n")); m != nil {
			return "v" + m[1], nil
		}
	}
	return "", errors.New(`CHANGELOG.md: no release heading ("## X.Y.Z")`)
}

// readRelease reads CHANGELOG.md and every go.mod under root.
func readRelease(root string) (*release, error) {
	text, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		return nil, err
	}
	version, err := changelogVersion(string(text))
	if err != nil {
		return nil, err
	}
	dirs, err := moduleDirs(root)
	if err != nil {
		return nil, err
	}
	r := &release{Version: version}
	for _, dir := range dirs {
		m, err := readModule(root, dir)
		if err != nil {
			return nil, err
		}
		if dir == "." {
			r.Core = m
		} else {
			r.Sides = append(r.Sides, m)
		}
	}
	if r.Core.Path == "" {
		return nil, errors.New("no go.mod at the root")
	}
	return r, nil
}

// skipDir reports directories that hold no module of the repository:
// version control, test data and hidden directories.
func skipDir(name string) bool {
	return name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// moduleDirs returns the directories under root that hold a go.mod, "."
// first, the rest sorted.
func moduleDirs(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "go.mod" {
			rel, err := filepath.Rel(root, filepath.Dir(path))
			if err != nil {
				return err
			}
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.SortFunc(dirs, func(a, b string) int {
		switch {
		case a == ".":
			return -1
		case b == ".":
			return 1
		}
		return strings.Compare(a, b)
	})
	return dirs, err
}

// readModule parses the module and require lines of dir's go.mod.
func readModule(root, dir string) (module, error) {
	name := filepath.Join(root, dir, "go.mod")
	f, err := os.Open(name)
	if err != nil {
		return module{}, err
	}
	defer f.Close()
	m := module{Dir: dir, Requires: map[string]string{}}
	inRequire := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "//")
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
		case inRequire && fields[0] == ")":
			inRequire = false
		case inRequire && len(fields) >= 2:
			m.Requires[fields[0]] = fields[1]
		case fields[0] == "module" && len(fields) == 2:
			m.Path = strings.Trim(fields[1], `"`)
		case fields[0] == "require" && len(fields) == 2 && fields[1] == "(":
			inRequire = true
		case fields[0] == "require" && len(fields) >= 3:
			m.Requires[fields[1]] = fields[2]
		}
	}
	if err := sc.Err(); err != nil {
		return module{}, err
	}
	if m.Path == "" {
		return module{}, fmt.Errorf("%s: no module line", name)
	}
	return m, nil
}

// checkRequirements returns one problem per side module that does not
// require the core at exactly the release's version: a proxy user gets the
// side module with whatever core it names, and v0.0.0 exists on no proxy.
func (r *release) checkRequirements() []string {
	var problems []string
	for _, side := range r.Sides {
		got, ok := side.Requires[r.Core.Path]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s/go.mod does not require %s; a side module requires the core at the version it is released with (%s)", side.Dir, r.Core.Path, r.Version))
		case got != r.Version:
			problems = append(problems, fmt.Sprintf("%s/go.mod requires %s %s, but CHANGELOG.md names %s: require the core at the version it is released with (never v0.0.0; a clone builds against this checkout through go.work)", side.Dir, r.Core.Path, got, r.Version))
		}
	}
	return problems
}
