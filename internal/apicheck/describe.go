// Package apicheck describes the public API of this repository's modules,
// one line per exported identifier, in the spirit of Go's own api/*.txt:
//
//	pkg github.com/aitronos/freddy-go, func NewClient(...Option) (*Client, error)
//	pkg github.com/aitronos/freddy-go, method (*Client) RateLimit() RateLimit
//	pkg github.com/aitronos/freddy-go, type APIError struct, StatusCode int
//	pkg github.com/aitronos/freddy-go, const DefaultMaxRetryWait time.Duration
//
// The description comes from the compiler's view of each package (go/types
// over its export data, see load.go), so it is what a caller compiles
// against, not how the source spells it: a constant's or variable's type, a method set
// including the methods promoted from embedded types, promoted fields, an
// interface's whole method set, what an alias stands for (with its type
// parameters), whether a struct is comparable. Types of this
// package are unqualified, others carry their import path
// (go.opentelemetry.io/otel/metric.MeterProvider); parameter names, which
// callers do not depend on, are left out.
//
// A constant's value is left out: a new value compiles for every caller
// (Version changes every release, a default may be tuned); it is behaviour,
// guarded by tests. Its type, typed or untyped, is the API.
//
// TestAPI compares the description with the checked-in api/<module>.txt
// and with the last release's (api/vX.Y.Z/), and fails naming each
// difference.
package apicheck

import (
	"fmt"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aitronos/freddy-go/internal/modules"
)

// Describe returns the sorted API lines of every public package of m.
func Describe(root string, m modules.Module) ([]string, error) {
	pkgs, err := modules.Packages(root, m)
	if err != nil || len(pkgs) == 0 {
		return nil, err
	}
	var paths []string
	for _, p := range pkgs {
		paths = append(paths, p.ImportPath)
	}
	checked, err := load(filepath.Join(root, filepath.FromSlash(m.Dir)), paths)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, path := range paths {
		lines = append(lines, describePackage(checked[path])...)
	}
	slices.Sort(lines)
	return slices.Compact(lines), nil
}

// describer collects the lines of one package.
type describer struct {
	pkg   *types.Package
	lines []string
}

func describePackage(pkg *types.Package) []string {
	d := &describer{pkg: pkg}
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		switch obj := scope.Lookup(name).(type) {
		case *types.Const:
			if obj.Exported() {
				d.add("const %s %s", name, d.typ(obj.Type()))
			}
		case *types.Var:
			if obj.Exported() {
				d.add("var %s %s", name, d.typ(obj.Type()))
			}
		case *types.Func:
			if obj.Exported() {
				sig := obj.Type().(*types.Signature)
				d.add("func %s%s%s", name, d.typeParams(sig.TypeParams()), d.signature(sig))
			}
		case *types.TypeName:
			d.typeName(obj)
		}
	}
	return d.lines
}

func (d *describer) add(format string, args ...any) {
	d.lines = append(d.lines, "pkg "+d.pkg.Path()+", "+fmt.Sprintf(format, args...))
}

// typeName adds an exported type's lines. An unexported type's exported
// methods and fields reach callers only through an exported type that
// embeds it, whose lines list them.
func (d *describer) typeName(obj *types.TypeName) {
	if !obj.Exported() {
		return
	}
	if obj.IsAlias() {
		var tparams *types.TypeParamList
		if a, ok := obj.Type().(*types.Alias); ok {
			tparams = a.TypeParams()
		}
		d.add("type %s%s = %s", obj.Name(), d.typeParams(tparams), d.typ(types.Unalias(obj.Type())))
		return
	}
	named, ok := obj.Type().(*types.Named)
	if !ok {
		return
	}
	decl := obj.Name() + d.typeParams(named.TypeParams())
	switch u := named.Underlying().(type) {
	case *types.Struct:
		d.add("type %s struct", decl)
		if types.Comparable(named) {
			// Callers use it as a map key or with ==: losing it breaks
			// them, and this line's removal says so.
			d.add("type %s struct, comparable", decl)
		}
		d.fields(decl, named, u)
	case *types.Interface:
		d.add("type %s interface", decl)
		d.interfaceMethods(decl, u)
		return // its methods are its lines
	default:
		d.add("type %s %s", decl, d.typ(u))
	}
	d.methods(named)
}

// methods adds the method set of *T, declared and promoted alike, each
// with the receiver it needs: (T) when a T value has it, (*T) when only a
// pointer does.
func (d *describer) methods(named *types.Named) {
	recv := named.Obj().Name()
	if tps := named.TypeParams(); tps.Len() > 0 {
		var names []string
		for tp := range tps.TypeParams() {
			names = append(names, tp.Obj().Name())
		}
		recv += "[" + strings.Join(names, ", ") + "]"
	}
	values := types.NewMethodSet(named)
	pointers := types.NewMethodSet(types.NewPointer(named))
	for sel := range pointers.Methods() {
		f := sel.Obj()
		if !f.Exported() {
			continue
		}
		r := "*" + recv
		if values.Lookup(f.Pkg(), f.Name()) != nil {
			r = recv
		}
		d.add("method (%s) %s%s", r, f.Name(), d.signature(sel.Type().(*types.Signature)))
	}
}

// fields adds a struct's exported fields, its exported embedded types, and
// the exported fields promoted from embedded types (however deep, as the
// selector rules resolve them: an ambiguous name is no field).
func (d *describer) fields(decl string, named *types.Named, st *types.Struct) {
	direct := map[string]bool{}
	for f := range st.Fields() {
		direct[f.Name()] = true
		switch {
		case !f.Exported():
		case f.Embedded():
			d.add("type %s struct, embedded %s", decl, d.typ(f.Type()))
		default:
			d.add("type %s struct, %s %s", decl, f.Name(), d.typ(f.Type()))
		}
	}
	for _, name := range promotedNames(st, map[*types.Named]bool{named: true}) {
		if direct[name] {
			continue
		}
		obj, index, _ := types.LookupFieldOrMethod(named, true, d.pkg, name)
		if v, ok := obj.(*types.Var); ok && v.IsField() && len(index) > 1 {
			d.add("type %s struct, promoted %s %s", decl, name, d.typ(v.Type()))
		}
	}
}

// promotedNames returns the exported field names of the structs st embeds,
// recursively: the candidates for promotion.
func promotedNames(st *types.Struct, seen map[*types.Named]bool) []string {
	var names []string
	for f := range st.Fields() {
		if !f.Embedded() {
			continue
		}
		t := types.Unalias(f.Type())
		if p, ok := t.(*types.Pointer); ok {
			t = types.Unalias(p.Elem())
		}
		n, ok := t.(*types.Named)
		if !ok || seen[n] {
			continue
		}
		seen[n] = true
		if inner, ok := n.Underlying().(*types.Struct); ok {
			for g := range inner.Fields() {
				if g.Exported() {
					names = append(names, g.Name())
				}
			}
			names = append(names, promotedNames(inner, seen)...)
		}
	}
	return names
}

// interfaceMethods adds an interface's whole method set, embedded
// interfaces' methods included. Unexported methods are one line: they
// decide that no other package can implement it. A constraint's type set
// is one line.
func (d *describer) interfaceMethods(decl string, it *types.Interface) {
	unexported := false
	for f := range it.Methods() {
		if !f.Exported() {
			unexported = true
			continue
		}
		d.add("type %s interface, %s%s", decl, f.Name(), d.signature(f.Type().(*types.Signature)))
	}
	if unexported {
		d.add("type %s interface, unexported methods", decl)
	}
	if !it.IsMethodSet() {
		d.add("type %s interface, type set %s", decl, types.TypeString(it, types.RelativeTo(d.pkg)))
	}
}
