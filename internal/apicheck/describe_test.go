package apicheck

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aitronos/freddy-go/internal/modules"
	"github.com/aitronos/freddy-go/internal/testenv"
)

const source = `package p

import (
	"context"
	"errors"
	"time"
)

const (
	A Kind = "a"
	B
	hidden = 1
)

const Untyped = 3

const Wait = 50 * time.Millisecond

var Err = errors.New("p: err")

var Deadline = time.Second

type Kind string

func (Kind) String() string { return "" }

type S struct {
	Name, Other string
	*Embedded
	inner
	secret int
}

type Embedded struct{ Deep string }

func (*Embedded) Promoted(f func(n int) error) {}

type inner struct{ Visible time.Duration }

func (inner) FromInner() {}

type I interface {
	Do(ctx context.Context, n int) (string, error)
	Embedded2
}

type Sealed interface {
	Open()
	seal()
}

type Number interface{ ~int | ~float64 }

type Embedded2 interface{ X(<-chan int) chan (<-chan int) }

type Alias = S

type Set[K comparable] = map[K]bool

type G[T any] struct{ V T }

func New(a, b int, opts ...string) (*S, error) { return nil, nil }

func Map[T Number](v T) T { return v }

func (s *S) Method(context.Context) error { return nil }

func (G[T]) Get() T { var v T; return v }

func (s *S) unexported() {}

type unexportedType struct{}

func (unexportedType) Exported() {}
`

func TestDescribe(t *testing.T) {
	root := t.TempDir()
	testenv.WriteFiles(t, root, map[string]string{"go.mod": "module example.com/p\n\ngo 1.25\n", "p.go": source, "p_test.go": "package p\n\nfunc TestOnly() {}\n"})
	got, err := Describe(root, modules.Module{Path: "example.com/p", Dir: "."})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"const A Kind",
		"const B Kind",
		"const Untyped untyped int",
		"const Wait time.Duration",
		"func Map[T Number](T) T",
		"func New(int, int, ...string) (*S, error)",
		"method (*Embedded) Promoted(func(int) error)",
		"method (*S) Method(context.Context) error",
		"method (G[T]) Get() T",
		"method (Kind) String() string",
		"method (S) FromInner()",
		"method (S) Promoted(func(int) error)", // through *Embedded: a value has it
		"type Alias = S",
		"type Embedded struct",
		"type Embedded struct, Deep string",
		"type Embedded struct, comparable",
		"type Embedded2 interface",
		"type Embedded2 interface, X(<-chan int) chan (<-chan int)",
		"type G[T any] struct",
		"type G[T any] struct, V T",
		"type I interface",
		"type I interface, Do(context.Context, int) (string, error)",
		"type I interface, X(<-chan int) chan (<-chan int)",
		"type Kind string",
		"type Number interface",
		"type Number interface, type set interface{~int | ~float64}",
		"type S struct",
		"type S struct, Name string",
		"type S struct, Other string",
		"type S struct, comparable",
		"type S struct, embedded *Embedded",
		"type S struct, promoted Deep string",
		"type S struct, promoted Visible time.Duration",
		"type Sealed interface",
		"type Sealed interface, Open()",
		"type Sealed interface, unexported methods",
		"type Set[K comparable] = map[K]bool",
		"var Deadline time.Duration",
		"var Err error",
	}
	for i := range want {
		want[i] = "pkg example.com/p, " + want[i]
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Describe:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDescribeSeesTypes: changes the syntax alone does not show (the
// source's text around the identifier is the same) change the description.
func TestDescribeSeesTypes(t *testing.T) {
	describe := func(src string) []string {
		root := t.TempDir()
		testenv.WriteFiles(t, root, map[string]string{"go.mod": "module example.com/p\n\ngo 1.25\n", "p.go": "package p\n\nimport (\n\t\"errors\"\n\t\"time\"\n)\n\nvar _ = errors.New\nvar _ = time.Second\n\n" + src})
		got, err := Describe(root, modules.Module{Path: "example.com/p", Dir: "."})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	for _, c := range []struct{ name, before, after string }{
		{"a constant's type", "const Wait = 50 * time.Millisecond\n", "const Wait = 50 * 1000000\n"},
		{"a variable's type", "var ErrX = errors.New(\"x\")\n", "var ErrX = &E{}\n\ntype E struct{}\n\nfunc (*E) Error() string { return \"\" }\n"},
		{"a method set through an embedded type", "type T struct{ e }\n\ntype e struct{}\n\nfunc (e) M() {}\n", "type T struct{ e }\n\ntype e struct{}\n\nfunc (*e) M() {}\n"},
		{"what an alias stands for", "type A = B\n\ntype B = int\n", "type A = B\n\ntype B = int64\n"},
		{"a generic alias's constraint", "type A[T comparable] = []T\n", "type A[T any] = []T\n"},
		{"a struct's comparability", "type T struct{ N int }\n", "type T struct {\n\tN int\n\t_ [0]func()\n}\n"},
		{"an embedded interface's methods", "type I interface{ j }\n\ntype j interface{ M() }\n", "type I interface{ j }\n\ntype j interface{ M() error }\n"},
	} {
		if before, after := describe(c.before), describe(c.after); reflect.DeepEqual(before, after) {
			t.Errorf("%s: the description does not change:\n%s", c.name, strings.Join(before, "\n"))
		}
	}
}

func TestSubjectOf(t *testing.T) {
	for line, want := range map[string]Subject{
		"pkg p, func New(int) error":                                  {"p", "New", ""},
		"pkg p, func Map[T any](T) T":                                 {"p", "Map", ""},
		"pkg p, method (*S) Method(context.Context) error":            {"p", "S", "Method"},
		"pkg p, method (G[K, V]) Get() V":                             {"p", "G", "Get"},
		"pkg p, type S struct":                                        {"p", "S", ""},
		"pkg p, type S struct, Name string":                           {"p", "S", "Name"},
		"pkg p, type S struct, promoted Deep string":                  {"p", "S", "Deep"},
		"pkg p, type S struct, embedded *example.com/q.Embedded[int]": {"p", "S", "Embedded"},
		"pkg p, type M[K comparable, V any] struct, Items map[K]V":    {"p", "M", "Items"},
		"pkg p, type I interface, Do(context.Context, int) error":     {"p", "I", "Do"},
		"pkg p, type I interface, unexported methods":                 {"p", "I", ""},
		"pkg p, type S struct, comparable":                            {"p", "S", ""},
		"pkg p, type A[T comparable] = []T":                           {"p", "A", ""},
		"pkg p, type F func(int, int) error":                          {"p", "F", ""},
		"pkg p, type F[K any, V any] func(K, V) error":                {"p", "F", ""},
		"pkg example.com/a-b, const A Kind":                           {"example.com/a-b", "A", ""},
		"pkg p, var Err error":                                        {"p", "Err", ""},
	} {
		if got := SubjectOf(line); got != want {
			t.Errorf("SubjectOf(%q) = %+v, want %+v", line, got, want)
		}
	}
}

func TestDiff(t *testing.T) {
	want := []string{"pkg p, func A()", "pkg p, func B()", "pkg p, func C()"}
	got := []string{"pkg p, func A()", "pkg p, func B(int)", "pkg p, func D()"}
	removed, added := Diff(want, got)
	if !reflect.DeepEqual(removed, []string{"pkg p, func B()", "pkg p, func C()"}) || !reflect.DeepEqual(added, []string{"pkg p, func B(int)", "pkg p, func D()"}) {
		t.Fatalf("Diff = %q, %q", removed, added)
	}
	report := Report("api/p.txt", removed, added)
	for _, want := range []string{"api/p.txt differs", "  - pkg p, func C()", "  + pkg p, func D()", UpdateCommand} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}

// TestUnannouncedNeedsThePackage: a Breaking entry names a removal with its
// package (by name or path) and, for a member, its type; the same
// identifier in another package, or a longer name, does not count.
func TestUnannouncedNeedsThePackage(t *testing.T) {
	const core, otel = "example.com/freddy-go", "example.com/freddy-go/otelfreddy"
	names := map[string]string{core: "freddy", otel: "otelfreddy"}
	option := "pkg " + core + ", type Option func(*config)"
	method := "pkg " + core + ", method (*Client) RateLimit() RateLimit"
	field := "pkg " + core + ", type APIError struct, Code string"
	for breaking, want := range map[string][]string{
		"":                             {field, method, option},
		"- `Option` is a struct.\n":    {field, method, option},
		"- `otelfreddy.Option` now…\n": {field, method, option},
		"- `freddy.OptionSet`, `freddy.Client.RateLimits`, `freddy.APIError`\n":                      {field, method, option},
		"- `freddy.Option` is a struct.\n":                                                           {field, method},
		"- `example.com/freddy-go.Option` is a struct; freddy.Client.RateLimit( is gone.\n":          {field},
		"- freddy.Option, freddy.APIError.Code. And freddy.Client.RateLimit.\n":                      nil,
		"- `freddy.Client` changed (its method is not named, the type's line did not change)\n":      {field, method, option},
		"- Removed `freddy.APIError.Code`; `freddy.Option` and `freddy.Client.RateLimit` changed.\n": nil,
	} {
		if got := Unannounced([]string{field, method, option}, breaking, names); !reflect.DeepEqual(got, want) {
			t.Errorf("Unannounced(%q) = %q, want %q", breaking, got, want)
		}
	}
	// A type gone with its members: naming the type announces them.
	typeGone := []string{"pkg " + core + ", type APIError struct", field}
	if got := Unannounced(typeGone, "- `freddy.APIError` is gone.\n", names); got != nil {
		t.Errorf("a removed type's member: Unannounced = %q", got)
	}
	report := ReleaseReport("api/v0.3.0/freddy.txt", "v0.3.0", []string{field, method}, names)
	for _, want := range []string{"since v0.3.0 (api/v0.3.0/freddy.txt)", `"### Breaking changes"`, "package-qualified", "not named there yet: freddy.APIError.Code, freddy.Client.RateLimit", "  - " + field} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}
