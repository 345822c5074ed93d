// Package apicheck describes the public API of this repository's modules,
// one line per exported identifier with its signature as written in the
// source, in the spirit of Go's own api/*.txt:
//
//	pkg github.com/aitronos/freddy-go, func NewClient(...Option) (*Client, error)
//	pkg github.com/aitronos/freddy-go, method (*Client) RateLimit() RateLimit
//	pkg github.com/aitronos/freddy-go, type APIError struct, StatusCode int
//
// TestAPI compares the description with the checked-in api/<module>.txt
// and fails naming each difference. The description is read from the
// syntax alone (go/ast), so that one module's check needs none of another
// module's dependencies: types are printed as the source spells them, and
// what a struct gets from an embedded type is listed as "embedded T".
package apicheck

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aitronos/freddy-go/internal/modules"
)

// Describe returns the sorted API lines of every public package of m.
func Describe(root string, m modules.Module) ([]string, error) {
	pkgs, err := modules.Packages(root, m)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, p := range pkgs {
		pl, err := describePackage(p)
		if err != nil {
			return nil, err
		}
		lines = append(lines, pl...)
	}
	slices.Sort(lines)
	return slices.Compact(lines), nil
}

// describer collects the lines of one package.
type describer struct {
	fset  *token.FileSet
	pkg   string
	lines []string
}

func describePackage(p modules.Package) ([]string, error) {
	d := &describer{fset: token.NewFileSet(), pkg: p.ImportPath}
	entries, err := os.ReadDir(p.Dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !modules.IsSource(e) {
			continue
		}
		f, err := parser.ParseFile(d.fset, filepath.Join(p.Dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				d.funcDecl(decl)
			case *ast.GenDecl:
				d.genDecl(decl)
			}
		}
	}
	return d.lines, nil
}

func (d *describer) add(format string, args ...any) {
	d.lines = append(d.lines, "pkg "+d.pkg+", "+fmt.Sprintf(format, args...))
}

// expr prints a node as gofmt would, on one line.
func (d *describer) expr(n ast.Node) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, d.fset, n); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// signature prints a function type without the "func" keyword and without
// parameter names, which callers do not depend on.
func (d *describer) signature(ft *ast.FuncType) string {
	s := d.fieldTypes(ft.Params, true)
	switch {
	case ft.Results == nil || len(ft.Results.List) == 0:
	case len(ft.Results.List) == 1 && len(ft.Results.List[0].Names) <= 1:
		s += " " + d.expr(ft.Results.List[0].Type)
	default:
		s += " " + d.fieldTypes(ft.Results, true)
	}
	return s
}

// fieldTypes prints a parameter list's types, one per parameter.
func (d *describer) fieldTypes(fl *ast.FieldList, parens bool) string {
	var types []string
	if fl != nil {
		for _, f := range fl.List {
			n := max(len(f.Names), 1)
			for range n {
				types = append(types, d.expr(f.Type))
			}
		}
	}
	s := strings.Join(types, ", ")
	if parens {
		s = "(" + s + ")"
	}
	return s
}

func (d *describer) typeParams(fl *ast.FieldList) string {
	if fl == nil || len(fl.List) == 0 {
		return ""
	}
	var groups []string
	for _, f := range fl.List {
		var names []string
		for _, n := range f.Names {
			names = append(names, n.Name)
		}
		groups = append(groups, strings.Join(names, ", ")+" "+d.expr(f.Type))
	}
	return "[" + strings.Join(groups, ", ") + "]"
}

func (d *describer) funcDecl(fn *ast.FuncDecl) {
	if !fn.Name.IsExported() {
		return
	}
	if fn.Recv == nil {
		d.add("func %s%s%s", fn.Name.Name, d.typeParams(fn.Type.TypeParams), d.signature(fn.Type))
		return
	}
	recv := fn.Recv.List[0].Type
	base := recv
	if star, ok := base.(*ast.StarExpr); ok {
		base = star.X
	}
	switch b := base.(type) {
	case *ast.IndexExpr:
		base = b.X
	case *ast.IndexListExpr:
		base = b.X
	}
	if id, ok := base.(*ast.Ident); !ok || !id.IsExported() {
		return
	}
	d.add("method (%s) %s%s", d.expr(recv), fn.Name.Name, d.signature(fn.Type))
}

func (d *describer) genDecl(gd *ast.GenDecl) {
	var lastType string // an iota group's specs take the type of the last one that names it
	for _, spec := range gd.Specs {
		switch s := spec.(type) {
		case *ast.TypeSpec:
			d.typeSpec(s)
		case *ast.ValueSpec:
			kind := gd.Tok.String()
			typ := ""
			if s.Type != nil {
				typ = " " + d.expr(s.Type)
			}
			if gd.Tok == token.CONST {
				if s.Type != nil || len(s.Values) > 0 {
					lastType = typ
				}
				typ = lastType
			}
			for _, name := range s.Names {
				if !name.IsExported() {
					continue
				}
				// A constant's value is left out: it is behaviour (Version
				// changes every release), guarded by tests, not by the API.
				d.add("%s %s%s", kind, name.Name, typ)
			}
		}
	}
}

func (d *describer) typeSpec(s *ast.TypeSpec) {
	if !s.Name.IsExported() {
		return
	}
	name := s.Name.Name + d.typeParams(s.TypeParams)
	if s.Assign.IsValid() {
		d.add("type %s = %s", name, d.expr(s.Type))
		return
	}
	switch t := s.Type.(type) {
	case *ast.StructType:
		d.members(name, "struct", t.Fields, func(n *ast.Ident, f *ast.Field) string {
			if !n.IsExported() {
				return ""
			}
			return n.Name + " " + d.expr(f.Type)
		})
	case *ast.InterfaceType:
		// A named interface member is a method; unexported ones count too:
		// they decide who can implement the interface.
		d.members(name, "interface", t.Methods, func(n *ast.Ident, f *ast.Field) string {
			return n.Name + d.signature(f.Type.(*ast.FuncType))
		})
	default:
		d.add("type %s %s", name, d.expr(s.Type))
	}
}

// members adds the line of a struct or interface type, then one per
// embedded type and one per named member that describe does not leave out
// ("").
func (d *describer) members(name, kind string, fl *ast.FieldList, describe func(*ast.Ident, *ast.Field) string) {
	d.add("type %s %s", name, kind)
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			d.add("type %s %s, embedded %s", name, kind, d.expr(f.Type))
			continue
		}
		for _, n := range f.Names {
			if line := describe(n, f); line != "" {
				d.add("type %s %s, %s", name, kind, line)
			}
		}
	}
}
