package apicheck

import (
	"fmt"
	"go/types"
	"strings"
)

// typ prints t as a caller sees it: this package's names unqualified,
// others with their import path, function types without parameter names
// (however deeply nested).
func (d *describer) typ(t types.Type) string {
	var b strings.Builder
	d.writeType(&b, t)
	return b.String()
}

func (d *describer) writeType(b *strings.Builder, t types.Type) {
	switch t := t.(type) {
	case *types.Pointer:
		b.WriteString("*")
		d.writeType(b, t.Elem())
	case *types.Slice:
		b.WriteString("[]")
		d.writeType(b, t.Elem())
	case *types.Array:
		fmt.Fprintf(b, "[%d]", t.Len())
		d.writeType(b, t.Elem())
	case *types.Map:
		b.WriteString("map[")
		d.writeType(b, t.Key())
		b.WriteString("]")
		d.writeType(b, t.Elem())
	case *types.Chan:
		d.writeChan(b, t)
	case *types.Signature:
		b.WriteString("func")
		b.WriteString(d.signature(t))
	default:
		// Named and alias types (with their type arguments), basic
		// types, type parameters, struct and interface literals.
		b.WriteString(types.TypeString(t, types.RelativeTo(d.pkg)))
	}
}

func (d *describer) writeChan(b *strings.Builder, t *types.Chan) {
	paren := false
	switch t.Dir() {
	case types.SendOnly:
		b.WriteString("chan<- ")
	case types.RecvOnly:
		b.WriteString("<-chan ")
	default:
		b.WriteString("chan ")
		// chan (<-chan T), not chan <-chan T: the latter parses as chan<- (chan T).
		elem, ok := t.Elem().(*types.Chan)
		paren = ok && elem.Dir() == types.RecvOnly
	}
	if paren {
		b.WriteString("(")
	}
	d.writeType(b, t.Elem())
	if paren {
		b.WriteString(")")
	}
}

// signature prints a function's parameter and result types, without the
// "func" keyword and without names.
func (d *describer) signature(sig *types.Signature) string {
	var b strings.Builder
	b.WriteString("(")
	params := sig.Params()
	for i := range params.Len() {
		if i > 0 {
			b.WriteString(", ")
		}
		t := params.At(i).Type()
		if sig.Variadic() && i == params.Len()-1 {
			b.WriteString("...")
			t = t.(*types.Slice).Elem()
		}
		d.writeType(&b, t)
	}
	b.WriteString(")")
	switch results := sig.Results(); results.Len() {
	case 0:
	case 1:
		b.WriteString(" ")
		d.writeType(&b, results.At(0).Type())
	default:
		b.WriteString(" (")
		for i := range results.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			d.writeType(&b, results.At(i).Type())
		}
		b.WriteString(")")
	}
	return b.String()
}

// typeParams prints a type parameter list with each constraint: "[T any]".
func (d *describer) typeParams(tps *types.TypeParamList) string {
	if tps.Len() == 0 {
		return ""
	}
	var params []string
	for tp := range tps.TypeParams() {
		params = append(params, tp.Obj().Name()+" "+d.typ(tp.Constraint()))
	}
	return "[" + strings.Join(params, ", ") + "]"
}
