package apicheck

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aitronos/freddy-go/internal/modules"
)

var update = flag.Bool("update", false, "regenerate api/*.txt from the code (refused for a removal CHANGELOG's Breaking changes do not name)")

// root is the repository's root, from this package's directory.
const root = "../.."

// TestAPI fails when the exported API of any module differs from its
// api/<module>.txt, naming each line added, removed or changed.
func TestAPI(t *testing.T) {
	mods, err := modules.Find(root)
	if err != nil {
		t.Fatal(err)
	}
	changelog, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		t.Fatal(err)
	}
	newest, err := modules.NewestRelease(string(changelog))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mods {
		name, err := FileName(root, m)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(root, "api", name)
		got, err := Describe(root, m)
		if err != nil {
			t.Fatal(err)
		}
		want, err := readAPI(file)
		if err != nil {
			t.Fatal(err)
		}
		removed, added := Diff(want, got)
		if len(removed)+len(added) == 0 {
			continue
		}
		unannounced := Unannounced(removed, newest.Breaking())
		if !*update {
			t.Errorf("%s", Report("api/"+name, newest.Version, removed, added, unannounced))
			continue
		}
		if len(unannounced) > 0 {
			t.Errorf("not updating api/%s:\n%s", name, Report("api/"+name, newest.Version, removed, added, unannounced))
			continue
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("api/%s: %d added, %d removed or changed", name, len(added), len(removed))
	}
}

// readAPI returns a description's sorted lines; none for a file not there
// yet (a new module: every line is an addition).
func readAPI(file string) ([]string, error) {
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	slices.Sort(lines)
	return lines, nil
}
