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

var update = flag.Bool("update", false, "regenerate api/*.txt from the code (refused while a line of the last release's API is removed or changed without a CHANGELOG Breaking entry naming it)")

// root is the repository's root, from this package's directory.
const root = "../.."

// TestAPI describes every module's API from its code (the core's, and
// otelfreddy's and redisfreddy's: modules.Find lists every go.mod, and
// each module's packages are type-checked from its own directory) and
//   - fails, naming each line added, removed or changed, when it differs
//     from api/<module>.txt;
//   - fails when a line of the last release's API (api/vX.Y.Z/<module>.txt,
//     X.Y.Z the newest dated CHANGELOG heading) is gone or changed and no
//     Breaking entry of the pending CHANGELOG sections names it,
//     package-qualified. This holds after -update too: regenerating the
//     files does not make a removal silent.
func TestAPI(t *testing.T) {
	mods, err := modules.Find(root)
	if err != nil {
		t.Fatal(err)
	}
	changelog, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		t.Fatal(err)
	}
	c := modules.ParseChangelog(string(changelog))
	released := c.LastRelease()
	releasedDir := filepath.Join(root, "api", released)
	if released != "" {
		if _, err := os.Stat(releasedDir); err != nil {
			t.Fatalf("CHANGELOG.md says %s is released, but its API, api/%s/, is missing: at the release's commit, mkdir api/%s && cp api/*.txt api/%s/ (CONTRIBUTING, Cutting a release)", released, released, released, released)
		}
	}
	pkgNames, err := packageNames(mods)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mods {
		t.Run(m.Path, func(t *testing.T) {
			name, err := FileName(root, m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Describe(root, m)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				t.Fatalf("%s: no API described", m.Path)
			}
			var unannounced []string
			if released != "" {
				// A module released after it has no file there: all new.
				was, err := readAPI(filepath.Join(releasedDir, name))
				if err != nil {
					t.Fatal(err)
				}
				removed, _ := Diff(was, got)
				unannounced = Unannounced(removed, c.PendingBreaking(), pkgNames)
				if len(unannounced) > 0 {
					t.Errorf("%s", ReleaseReport("api/"+released+"/"+name, released, unannounced, pkgNames))
				}
			}
			file := filepath.Join(root, "api", name)
			want, err := readAPI(file)
			if err != nil {
				t.Fatal(err)
			}
			removed, added := Diff(want, got)
			switch {
			case len(removed)+len(added) == 0:
			case !*update:
				t.Errorf("%s", Report("api/"+name, removed, added))
			case len(unannounced) > 0:
				t.Errorf("not updating api/%s until CHANGELOG.md names the removals above", name)
			default:
				if err := os.WriteFile(file, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("api/%s: %d added, %d removed or changed", name, len(added), len(removed))
			}
		})
	}
}

// packageNames maps every public package's import path to its name.
func packageNames(mods []modules.Module) (map[string]string, error) {
	names := map[string]string{}
	for _, m := range mods {
		pkgs, err := modules.Packages(root, m)
		if err != nil {
			return nil, err
		}
		for _, p := range pkgs {
			names[p.ImportPath] = p.Name
		}
	}
	return names, nil
}

// readAPI returns a description's sorted lines; none for a file not there
// (a new module: every line is an addition).
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
