package apicheck

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/aitronos/freddy-go/internal/modules"
)

// UpdateCommand regenerates every api/*.txt from the code.
const UpdateCommand = "go test ./internal/apicheck -run TestAPI -update"

// FileName is the name of m's description under api/: the root package's
// name for the core ("freddy.txt"), the directory's for a side module
// ("otelfreddy.txt").
func FileName(root string, m modules.Module) (string, error) {
	if m.Dir != "." {
		return path.Base(m.Dir) + ".txt", nil
	}
	name, err := modules.PackageName(root)
	if err != nil || name == "" {
		return "", fmt.Errorf("no package at the root: %v", err)
	}
	return name + ".txt", nil
}

// Diff returns the lines of want missing from got (removed or changed:
// callers break) and the lines of got missing from want (added). Both are
// sorted.
func Diff(want, got []string) (removed, added []string) {
	for _, l := range want {
		if _, found := slices.BinarySearch(got, l); !found {
			removed = append(removed, l)
		}
	}
	for _, l := range got {
		if _, found := slices.BinarySearch(want, l); !found {
			added = append(added, l)
		}
	}
	return removed, added
}

// Grown returns the lines of added that grow an interface was (the last
// release's lines) had and that callers could implement: a method (or an
// unexported method, or a type set) added to it breaks every caller's type
// that implemented it. An interface with an unexported method at the
// release has no implementation outside its package; a new interface has
// none yet.
func Grown(was, added []string) []string {
	implementable := map[Subject]bool{}
	for _, l := range was {
		if s, ok := interfaceLine(l); ok && s.Member == "" && strings.HasSuffix(l, " interface") {
			implementable[s] = true
		}
	}
	for _, l := range was {
		if s, ok := interfaceLine(l); ok && strings.HasSuffix(l, " interface, unexported methods") {
			delete(implementable, Subject{Pkg: s.Pkg, Name: s.Name})
		}
	}
	var grown []string
	for _, l := range added {
		if s, ok := interfaceLine(l); ok && !strings.HasSuffix(l, " interface") && implementable[Subject{Pkg: s.Pkg, Name: s.Name}] {
			grown = append(grown, l)
		}
	}
	return grown
}

// interfaceLine reports whether line is about an interface type (its own
// line or a member's), and its subject.
func interfaceLine(line string) (Subject, bool) {
	s := SubjectOf(line)
	_, decl, _ := strings.Cut(line, ", type ")
	after := skipBrackets(strings.TrimPrefix(decl, s.Name))
	return s, s.Name != "" && (after == " interface" || strings.HasPrefix(after, " interface, "))
}

// Subject is what a line describes: the package's import path, the
// top-level identifier, and the member of a type (method, field, embedded
// type, interface method) when the line is one.
type Subject struct {
	Pkg, Name, Member string
}

var ident = regexp.MustCompile(`^[\pL_][\pL\pN_]*`)

// SubjectOf parses a line of an api/*.txt file.
func SubjectOf(line string) Subject {
	pkg, decl, _ := strings.Cut(strings.TrimPrefix(line, "pkg "), ", ")
	s := Subject{Pkg: pkg}
	kind, rest, _ := strings.Cut(decl, " ")
	switch kind {
	case "method": // "method (*T[K]) M(…) …"
		recv, m, _ := strings.Cut(strings.TrimPrefix(rest, "("), ") ")
		s.Name = ident.FindString(strings.TrimLeft(recv, "*"))
		s.Member = ident.FindString(m)
	case "type": // "type T[K any] struct, F int"
		s.Name = ident.FindString(rest)
		after := skipBrackets(rest[len(s.Name):])
		for _, kind := range []string{" struct, ", " interface, "} {
			if member, ok := strings.CutPrefix(after, kind); ok {
				s.Member = memberName(member)
			}
		}
	default: // const, var, func
		s.Name = ident.FindString(rest)
	}
	return s
}

// skipBrackets drops a leading type parameter list ("[K comparable, V any]").
func skipBrackets(s string) string {
	if !strings.HasPrefix(s, "[") {
		return s
	}
	depth := 0
	for i, r := range s {
		switch r {
		case '[':
			depth++
		case ']':
			if depth--; depth == 0 {
				return s[i+1:]
			}
		}
	}
	return s
}

// memberName returns a struct or interface line's member: a field's or
// method's name, an embedded type's name without its package and type
// arguments; "" for the lines about the type as a whole.
func memberName(m string) string {
	switch {
	case strings.HasPrefix(m, "embedded "):
		t := strings.TrimLeft(strings.TrimPrefix(m, "embedded "), "*")
		t, _, _ = strings.Cut(t, "[")
		return t[strings.LastIndex(t, ".")+1:]
	case strings.HasPrefix(m, "promoted "):
		return ident.FindString(strings.TrimPrefix(m, "promoted "))
	case m == "unexported methods" || m == "comparable" || strings.HasPrefix(m, "type set "):
		return ""
	}
	return ident.FindString(m)
}

// Qualified returns the name a Breaking entry writes for s: the package's
// name, the identifier, the member ("freddy.Client.RateLimit").
func (s Subject) Qualified(pkgNames map[string]string) string {
	q := qualifiers(s.Pkg, pkgNames)[0] + "." + s.Name
	if s.Member != "" {
		q += "." + s.Member
	}
	return q
}

// qualifiers are the spellings of a package in a Breaking entry: its name
// (when the package still exists), the last element of its path, its path.
func qualifiers(pkgPath string, pkgNames map[string]string) []string {
	var qs []string
	if n := pkgNames[pkgPath]; n != "" {
		qs = append(qs, n)
	}
	return slices.Compact(append(qs, path.Base(pkgPath), pkgPath))
}

// names reports whether breaking names the package-qualified identifier
// q.id as a whole: not part of a longer name on either side
// (otelfreddy.Option is not freddy.Option, freddy.Client.Do is not
// freddy.Client).
func names(breaking, qualifier, id string) bool {
	re := regexp.MustCompile(`(?:^|[^\pL\pN_./-])` + regexp.QuoteMeta(qualifier+"."+id) + `(?:$|[^\pL\pN_.]|\.(?:$|[^\pL\pN_]))`)
	return re.MatchString(breaking)
}

// Unannounced returns the removed or changed lines that the CHANGELOG's
// Breaking entries do not name in the package-qualified form: the
// identifier ("freddy.Option", or its package's path,
// "github.com/aitronos/freddy-go.Option"), for a member the type and the
// member ("freddy.Client.RateLimit"). A member's removal is also
// announced by naming its type when the type's own line is removed or
// changed too (the type went away or changed kind).
func Unannounced(removed []string, breaking string, pkgNames map[string]string) []string {
	typeChanged := map[Subject]bool{}
	for _, l := range removed {
		if s := SubjectOf(l); s.Member == "" {
			typeChanged[s] = true
		}
	}
	var missing []string
	for _, l := range removed {
		s := SubjectOf(l)
		announced := false
		for _, q := range qualifiers(s.Pkg, pkgNames) {
			switch {
			case s.Name == "":
			case s.Member == "":
				announced = names(breaking, q, s.Name)
			default:
				announced = names(breaking, q, s.Name+"."+s.Member) ||
					typeChanged[Subject{Pkg: s.Pkg, Name: s.Name}] && names(breaking, q, s.Name)
			}
			if announced {
				break
			}
		}
		if !announced {
			missing = append(missing, l)
		}
	}
	return missing
}

// Report says how the code's API differs from file's and what to do.
func Report(file string, removed, added []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s differs from the code's API.\n", file)
	if len(removed) > 0 {
		b.WriteString("Removed or changed:\n")
		for _, l := range removed {
			b.WriteString("  - " + l + "\n")
		}
	}
	if len(added) > 0 {
		b.WriteString("Added:\n")
		for _, l := range added {
			b.WriteString("  + " + l + "\n")
		}
	}
	b.WriteString("When the change is intended, regenerate the file and commit it: " + UpdateCommand + "\n")
	return b.String()
}

// ReleaseReport says which lines of the last release's API (released, the
// file it was read from) the code lost or changed without a Breaking entry.
func ReleaseReport(released, version string, unannounced []string, pkgNames map[string]string) string {
	var b strings.Builder
	var ids []string
	for _, l := range unannounced {
		ids = append(ids, SubjectOf(l).Qualified(pkgNames))
	}
	fmt.Fprintf(&b, "Removed or changed since %s (%s), or added to an interface callers implement, which breaks callers: CHANGELOG.md needs an entry under \"### Breaking changes\" in its Unreleased (or not yet dated) section naming each one, package-qualified (not named there yet: %s):\n",
		version, released, strings.Join(slices.Compact(ids), ", "))
	for _, l := range unannounced {
		b.WriteString("  - " + l + "\n")
	}
	return b.String()
}
