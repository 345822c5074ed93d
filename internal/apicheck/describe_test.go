package apicheck

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aitronos/freddy-go/internal/modules"
	"github.com/aitronos/freddy-go/internal/testenv"
)

const source = `package p

import "context"

const (
	A Kind = "a"
	B
	hidden = 1
)

const Untyped = 3

var Err error

type Kind string

type S struct {
	Name, Other string
	*Embedded
	secret int
}

type Embedded struct{}

type I interface {
	Do(ctx context.Context, n int) (string, error)
	Embedded2
}

type Embedded2 interface{ X() }

type Alias = S

type G[T any] struct{ V T }

func New(a, b int, opts ...string) (*S, error) { return nil, nil }

func Map[T any](v T) T { return v }

func (s *S) Method(context.Context) error { return nil }

func (G[T]) Get() T { var v T; return v }

func (s *S) unexported() {}

type unexportedType struct{}

func (unexportedType) Exported() {}
`

func TestDescribe(t *testing.T) {
	root := t.TempDir()
	testenv.WriteFiles(t, root, map[string]string{"go.mod": "module example.com/p\n", "p.go": source, "p_test.go": "package p\n\nfunc TestOnly() {}\n"})
	got, err := Describe(root, modules.Module{Path: "example.com/p", Dir: "."})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"const A Kind",
		"const B Kind",
		"const Untyped",
		"func Map[T any](T) T",
		"func New(int, int, ...string) (*S, error)",
		"method (*S) Method(context.Context) error",
		"method (G[T]) Get() T",
		"type Alias = S",
		"type Embedded struct",
		"type Embedded2 interface",
		"type Embedded2 interface, X()",
		"type G[T any] struct",
		"type G[T any] struct, V T",
		"type I interface",
		"type I interface, Do(context.Context, int) (string, error)",
		"type I interface, embedded Embedded2",
		"type Kind string",
		"type S struct",
		"type S struct, Name string",
		"type S struct, Other string",
		"type S struct, embedded *Embedded",
		"var Err error",
	}
	for i := range want {
		want[i] = "pkg example.com/p, " + want[i]
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Describe:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestIdentifier(t *testing.T) {
	for line, want := range map[string]string{
		"pkg p, func New(int) error":                              "New",
		"pkg p, func Map[T any](T) T":                             "Map",
		"pkg p, method (*S) Method(context.Context) error":        "Method",
		"pkg p, type S struct":                                    "S",
		"pkg p, type S struct, Name string":                       "Name",
		"pkg p, type S struct, embedded *pkg.Embedded":            "Embedded",
		"pkg p, type I interface, Do(context.Context, int) error": "Do",
		"pkg p, type F func(int, int) error":                      "F",
		"pkg p, const A Kind":                                     "A",
		"pkg p, var Err error":                                    "Err",
	} {
		if got := Identifier(line); got != want {
			t.Errorf("Identifier(%q) = %q, want %q", line, got, want)
		}
	}
}

func TestDiffAndUnannounced(t *testing.T) {
	want := []string{"pkg p, func A()", "pkg p, func B()", "pkg p, func C()"}
	got := []string{"pkg p, func A()", "pkg p, func B(int)", "pkg p, func D()"}
	removed, added := Diff(want, got)
	if !reflect.DeepEqual(removed, []string{"pkg p, func B()", "pkg p, func C()"}) || !reflect.DeepEqual(added, []string{"pkg p, func B(int)", "pkg p, func D()"}) {
		t.Fatalf("Diff = %q, %q", removed, added)
	}
	// The Breaking entries name B (as a word: "BB" does not count) but not C.
	if got := Unannounced(removed, "- `B` takes an int.\n- BB and Cx are other things.\n"); !reflect.DeepEqual(got, []string{"pkg p, func C()"}) {
		t.Errorf("Unannounced = %q", got)
	}
	report := Report("api/p.txt", "v0.4.0", removed, added, []string{"pkg p, func C()"})
	for _, want := range []string{"breaks callers", "0.4.0 section", `"### Breaking changes"`, "not named there yet: C", "  - pkg p, func C()", "  + pkg p, func D()", UpdateCommand} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}
