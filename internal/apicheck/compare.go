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
// callers break) and the lines of got missing from want (added).
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

// Identifier returns the most specific name a line describes: the
// function, method, field, interface method, type, constant or variable.
func Identifier(line string) string {
	_, decl, _ := strings.Cut(line, ", ")
	if m := member.FindStringSubmatch(decl); m != nil {
		// "type T struct, F int", "type T interface, M() error",
		// "type T struct, embedded *E".
		return leadingName(strings.TrimLeft(strings.TrimPrefix(m[1], "embedded "), "*"))
	}
	kind, rest, _ := strings.Cut(decl, " ")
	if kind == "method" {
		_, rest, _ = strings.Cut(rest, ") ")
	}
	return leadingName(rest)
}

// member is a struct field's or interface method's line.
var member = regexp.MustCompile(`^type \S+ (?:struct|interface), (.*)$`)

var name = regexp.MustCompile(`^[\pL_][\pL\pN_]*(\.[\pL_][\pL\pN_]*)?`)

// leadingName returns the identifier s starts with ("pkg.T" for a
// qualified embedded type: its last part).
func leadingName(s string) string {
	n := name.FindString(s)
	if i := strings.LastIndex(n, "."); i >= 0 {
		n = n[i+1:]
	}
	return n
}

// Unannounced returns the removed or changed lines whose identifier the
// CHANGELOG's Breaking entries do not name.
func Unannounced(removed []string, breaking string) []string {
	var missing []string
	for _, l := range removed {
		id := Identifier(l)
		if id == "" || !regexp.MustCompile(`\b`+regexp.QuoteMeta(id)+`\b`).MatchString(breaking) {
			missing = append(missing, l)
		}
	}
	return missing
}

// Report says how the code's API differs from file's and what to do.
func Report(file, version string, removed, added []string, unannounced []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s differs from the code's API.\n", file)
	if len(removed) > 0 {
		fmt.Fprintf(&b, "Removed or changed, which breaks callers: CHANGELOG.md's %s section needs an entry under \"### Breaking changes\" naming each one", strings.TrimPrefix(version, "v"))
		if len(unannounced) > 0 {
			fmt.Fprintf(&b, " (not named there yet: %s)", strings.Join(identifiers(unannounced), ", "))
		}
		b.WriteString(":\n")
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

func identifiers(lines []string) []string {
	var ids []string
	for _, l := range lines {
		ids = append(ids, Identifier(l))
	}
	return slices.Compact(ids)
}
