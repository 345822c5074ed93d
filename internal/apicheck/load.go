package apicheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// listed is what `go list -deps -json` says of one package.
type listed struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	ImportMap  map[string]string // an import as written → the package it resolves to (std's vendored packages)
	Error      *struct{ Err string }
}

// loader type-checks a module's packages and everything they import from
// source (declarations only: function bodies are skipped), with the files
// the go command selects for this platform without cgo. One `go list`,
// run in the module's directory, resolves every import the way a build
// there does (go.work included); no dependency beyond the standard
// library, and no compiling.
type loader struct {
	fset   *token.FileSet
	listed map[string]*listed
	pkgs   map[string]*types.Package
	sizes  types.Sizes
}

// load lists paths and their dependencies from dir.
func load(dir string, paths []string) (*loader, error) {
	cmd := exec.Command("go", append([]string{"list", "-e", "-deps", "-json=ImportPath,Dir,GoFiles,ImportMap,Error", "--"}, paths...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list in %s: %v\n%s", dir, err, stderr.Bytes())
	}
	l := &loader{fset: token.NewFileSet(), listed: map[string]*listed{}, pkgs: map[string]*types.Package{}, sizes: types.SizesFor("gc", runtime.GOARCH)}
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		p := new(listed)
		if err := dec.Decode(p); err != nil {
			return nil, fmt.Errorf("go list in %s: %v", dir, err)
		}
		l.listed[p.ImportPath] = p
	}
	return l, nil
}

// importerFunc adapts a function to types.Importer.
type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// check returns the type-checked package path.
func (l *loader) check(path string) (*types.Package, error) {
	if path == "unsafe" {
		return types.Unsafe, nil
	}
	if p := l.pkgs[path]; p != nil {
		return p, nil
	}
	lp := l.listed[path]
	switch {
	case lp == nil:
		return nil, fmt.Errorf("%s: not found by go list", path)
	case lp.Error != nil:
		return nil, fmt.Errorf("%s: %s", path, lp.Error.Err)
	}
	files := make([]*ast.File, 0, len(lp.GoFiles))
	for _, name := range lp.GoFiles {
		f, err := parser.ParseFile(l.fset, filepath.Join(lp.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	var hard error
	conf := types.Config{
		Importer: importerFunc(func(imp string) (*types.Package, error) {
			if resolved, ok := lp.ImportMap[imp]; ok {
				imp = resolved
			}
			return l.check(imp)
		}),
		IgnoreFuncBodies: true,
		Sizes:            l.sizes,
		// Soft errors (an import used only in a skipped body) are not
		// the declarations' concern.
		Error: func(err error) {
			var te types.Error
			if hard == nil && (!errors.As(err, &te) || !te.Soft) {
				hard = err
			}
		},
	}
	pkg, _ := conf.Check(path, l.fset, files, nil)
	if hard != nil {
		return nil, fmt.Errorf("type-checking %s: %w", path, hard)
	}
	l.pkgs[path] = pkg
	return pkg, nil
}
