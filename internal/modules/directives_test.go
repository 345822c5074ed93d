package modules

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDirectivesReadsWhatGoReads: every replace and exclude the go command
// reads from a go.mod (`go mod edit -json`), Directives yields too, in
// every spelling cmd/go's lexer accepts: a verb directly followed by "(",
// comments at a line's end, quoted paths.
func TestDirectivesReadsWhatGoReads(t *testing.T) {
	for _, text := range []string{
		"module m\n\nreplace(\n\texample.com/a v1.0.0 => ../a\n)\n",
		"module m\n\nexclude(\n\texample.com/a v1.0.0\n)\n",
		"module m\n\nreplace (\n\texample.com/a v1.0.0 => ../a // why\n)\n",
		"module m\n\nreplace example.com/a v1.0.0 => ../a// why\n",
		"module m\n\nreplace \"example.com/a\" v1.0.0 => \"../a b\"\n",
		"module m\n\nreplace(// block comment\n\texample.com/a => ../a\n\texample.com/b => ../b\n)\nexclude example.com/c v1.0.0\n",
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		out := goCommand(t, dir, "mod", "edit", "-json")
		var goMod struct {
			Replace []struct {
				Old, New struct{ Path, Version string }
			}
			Exclude []struct{ Path, Version string }
		}
		if err := json.Unmarshal([]byte(out), &goMod); err != nil {
			t.Fatal(err)
		}
		var want, got []string
		for _, r := range goMod.Replace {
			want = append(want, strings.TrimSpace("replace "+r.Old.Path+" "+r.Old.Version)+" => "+strings.TrimSpace(r.New.Path+" "+r.New.Version))
		}
		for _, e := range goMod.Exclude {
			want = append(want, "exclude "+e.Path+" "+e.Version)
		}
		for directive, fields := range Directives(text) {
			if directive == "replace" || directive == "exclude" {
				got = append(got, directive+" "+strings.Join(fields, " "))
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("Directives(%q) = %q; the go command reads %q", text, got, want)
		}
	}
}
