// Package modules finds the modules of this repository and what they
// publish: one decision, shared by the module-proxy check
// (scripts/proxycheck) and the API check (internal/apicheck). The core
// module is at the root; a side module is any directory below it with its
// own go.mod, except test data, vendored code and hidden directories.
package modules

import (
	"bufio"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Module is one go.mod of the repository.
type Module struct {
	Path string // module path, from its module line
	Dir  string // its directory, relative to the root, slash-separated ("." for the core)
	// Requires maps each required module path to its version.
	Requires map[string]string
}

// SkipDir reports directories that hold no module or public package of the
// repository: test data, vendored code, hidden and underscore directories.
func SkipDir(name string) bool {
	return name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// Find returns every module under root, the core (".") first, the side
// modules sorted by directory.
func Find(root string) ([]Module, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && SkipDir(d.Name()) {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "go.mod" {
			rel, err := filepath.Rel(root, filepath.Dir(p))
			if err != nil {
				return err
			}
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(dirs, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == ".":
			return -1
		case b == ".":
			return 1
		}
		return strings.Compare(a, b)
	})
	if len(dirs) == 0 || dirs[0] != "." {
		return nil, fmt.Errorf("%s: no go.mod at the root", root)
	}
	mods := make([]Module, 0, len(dirs))
	for _, dir := range dirs {
		m, err := read(root, dir)
		if err != nil {
			return nil, err
		}
		mods = append(mods, m)
	}
	return mods, nil
}

// read parses the module and require lines of dir's go.mod.
func read(root, dir string) (Module, error) {
	name := filepath.Join(root, filepath.FromSlash(dir), "go.mod")
	f, err := os.Open(name)
	if err != nil {
		return Module{}, err
	}
	defer f.Close()
	m := Module{Dir: dir, Requires: map[string]string{}}
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
		return Module{}, err
	}
	if m.Path == "" {
		return Module{}, fmt.Errorf("%s: no module line", name)
	}
	return m, nil
}

// Package is a public package of a module: one a user can import.
type Package struct {
	ImportPath string
	Dir        string // on disk
	Name       string // its package clause
}

// Packages returns m's public packages under root: not internal, not a
// command, not test data, not another module's.
func Packages(root string, m Module) ([]Package, error) {
	dir := filepath.Join(root, filepath.FromSlash(m.Dir))
	var pkgs []Package
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir {
			if SkipDir(d.Name()) || d.Name() == "internal" {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		name, err := PackageName(p)
		if err != nil || name == "" || name == "main" {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		pkgs = append(pkgs, Package{ImportPath: path.Join(m.Path, filepath.ToSlash(rel)), Dir: p, Name: name})
		return nil
	})
	slices.SortFunc(pkgs, func(a, b Package) int { return strings.Compare(a.ImportPath, b.ImportPath) })
	return pkgs, err
}

// PackageName returns the package clause of dir's non-test Go files, "" if
// it has none.
func PackageName(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if !IsSource(e) {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, e.Name()), nil, parser.PackageClauseOnly)
		if err != nil {
			return "", err
		}
		return f.Name.Name, nil
	}
	return "", nil
}

// IsSource reports a non-test Go file.
func IsSource(e fs.DirEntry) bool {
	n := e.Name()
	return !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go")
}

// releaseHeading is a CHANGELOG release heading: "## 0.4.0",
// "## [0.3.0] - 2026-12-03", "## v0.4.0".
var releaseHeading = regexp.MustCompile(`^## \[?v?(\d+\.\d+\.\d+)\]?(\s|$)`)

// Release is CHANGELOG.md's newest section.
type Release struct {
	Version string // "v0.4.0"
	Text    string // the section, its heading included
}

// NewestRelease returns the first (newest) release section of a
// CHANGELOG.md's text.
func NewestRelease(changelog string) (Release, error) {
	var r Release
	var b strings.Builder
	for line := range strings.Lines(changelog) {
		if strings.HasPrefix(line, "## ") {
			if r.Version != "" {
				break
			}
			if m := releaseHeading.FindStringSubmatch(strings.TrimRight(line, "\r\n")); m != nil {
				r.Version = "v" + m[1]
			}
		}
		if r.Version != "" {
			b.WriteString(line)
		}
	}
	if r.Version == "" {
		return r, errors.New(`CHANGELOG.md: no release heading ("## X.Y.Z")`)
	}
	r.Text = b.String()
	return r, nil
}

// Breaking returns the lines under the section's "### Breaking …"
// headings.
func (r Release) Breaking() string {
	var b strings.Builder
	in := false
	for line := range strings.Lines(r.Text) {
		if strings.HasPrefix(line, "### ") {
			in = strings.HasPrefix(strings.ToLower(line), "### breaking")
			continue
		}
		if in {
			b.WriteString(line)
		}
	}
	return b.String()
}
