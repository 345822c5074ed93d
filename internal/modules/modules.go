// Package modules finds the modules of this repository and what they
// publish: one decision, shared by the module-proxy check
// (scripts/proxycheck) and the API check (internal/apicheck). The core
// module is at the root; a side module is any directory below it with its
// own go.mod, except test data, vendored code and hidden directories.
package modules

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Module is one go.mod of the repository.
type Module struct {
	Path string // module path, from its module line
	Dir  string // its directory, relative to the root, slash-separated ("." for the core)
	Go   string // its go directive ("1.25")
	// Requires maps each required module path to its versions, one per
	// require entry naming it (more than one is a go.mod to refuse: which
	// one a reader takes is its own choice).
	Requires map[string][]string
	// Replaces and Excludes are the replace and exclude directives, one
	// per entry as written ("example.com/m v1.0.0 => ../m").
	Replaces, Excludes []string
}

// SkipDir reports directories that hold no module or public package of the
// repository: test data, vendored code, hidden and underscore directories.
func SkipDir(name string) bool {
	return name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// WorkFiles returns the directory (relative to root, slash-separated) of
// every go.work under root, test data, vendored code and hidden
// directories excepted.
func WorkFiles(root string) ([]string, error) {
	return dirsWith(root, "go.work")
}

// dirsWith returns the directory (relative to root, slash-separated) of
// every file called name under root, skipping what SkipDir names.
func dirsWith(root, name string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && SkipDir(d.Name()) {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == name {
			rel, err := filepath.Rel(root, filepath.Dir(p))
			if err != nil {
				return err
			}
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	return dirs, err
}

// Find returns every module under root, the core (".") first, the side
// modules sorted by directory.
func Find(root string) ([]Module, error) {
	dirs, err := dirsWith(root, "go.mod")
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

// read parses the module, go, require, replace and exclude directives of
// dir's go.mod.
func read(root, dir string) (Module, error) {
	name := filepath.Join(root, filepath.FromSlash(dir), "go.mod")
	b, err := os.ReadFile(name)
	if err != nil {
		return Module{}, err
	}
	m := Module{Dir: dir, Requires: map[string][]string{}}
	for directive, fields := range Directives(string(b)) {
		switch {
		case directive == "module":
			m.Path = strings.Trim(fields[0], `"`)
		case directive == "go":
			m.Go = fields[0]
		case directive == "require" && len(fields) >= 2:
			m.Requires[fields[0]] = append(m.Requires[fields[0]], fields[1])
		case directive == "replace":
			m.Replaces = append(m.Replaces, strings.Join(fields, " "))
		case directive == "exclude":
			m.Excludes = append(m.Excludes, strings.Join(fields, " "))
		}
	}
	if m.Path == "" {
		return Module{}, fmt.Errorf("%s: no module line", name)
	}
	return m, nil
}

// Directives yields each entry of a go.mod or go.work text with its
// directive, in the one-line ("require m v1") and block ("require (" …
// ")", also "require(") forms alike, comments removed and quoted strings
// unquoted: ("require", ["m", "v1"]). An entry has at least one field. It
// reads the text as cmd/go's modfile lexer does (tokens, see lineTokens),
// so that no spelling the go command accepts gets past a check.
func Directives(text string) iter.Seq2[string, []string] {
	return func(yield func(string, []string) bool) {
		block := ""
		for line := range strings.Lines(text) {
			fields := lineTokens(line)
			switch {
			case len(fields) == 0:
				continue
			case block != "" && len(fields) == 1 && fields[0] == ")":
				block = ""
				continue
			case block == "" && len(fields) == 2 && fields[1] == "(":
				block = fields[0]
				continue
			}
			directive := block
			if directive == "" {
				directive, fields = fields[0], fields[1:]
			}
			if len(fields) > 0 && !yield(directive, fields) {
				return
			}
		}
	}
}

// lineTokens splits a go.mod line into cmd/go's tokens: "(" and ")" are
// tokens of their own, wherever they stand ("replace(" is "replace",
// "("); a quoted string is one token, unquoted; "//" outside a quoted
// string begins a comment to the line's end, even right after a token
// ("../a// why" is "../a", as the go command reads it).
func lineTokens(line string) []string {
	var tokens []string
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case strings.HasPrefix(line[i:], "//"):
			return tokens
		case c == '(' || c == ')':
			tokens = append(tokens, string(c))
			i++
		case c == '"' || c == '`':
			end := quotedEnd(line, i)
			tok := line[i:end]
			if s, err := strconv.Unquote(tok); err == nil {
				tok = s
			}
			tokens = append(tokens, tok)
			i = end
		default:
			end := i
			for end < len(line) && !strings.ContainsRune(" \t\r\n()\"`", rune(line[end])) && !strings.HasPrefix(line[end:], "//") {
				end++
			}
			tokens = append(tokens, line[i:end])
			i = end
		}
	}
	return tokens
}

// quotedEnd returns the index just past the quoted string starting at
// line[i] (the line's end when it is not closed).
func quotedEnd(line string, i int) int {
	q := line[i]
	for j := i + 1; j < len(line); j++ {
		switch {
		case line[j] == '\\' && q == '"':
			j++
		case line[j] == q:
			return j + 1
		}
	}
	return len(line)
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
