package apicheck

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aitronos/freddy-go/internal/modules"
)

// Check describes every module's API under root from its code (the core
// and each side module: modules.Find lists every go.mod, and each module
// is type-checked from its own directory) and returns what is wrong:
//   - a module's API differs from api/<module>.txt (each line added,
//     removed or changed named). With update, the file is rewritten
//     instead, and the rewritten files are returned as updated;
//   - a line of the last release's API (api/vX.Y.Z/<module>.txt, X.Y.Z the
//     newest dated CHANGELOG heading) is gone or changed and no Breaking
//     entry of the pending CHANGELOG sections names it, package-qualified.
//     A line added to an interface the release had, that callers can
//     implement (it has no unexported method), is a change too: their
//     types no longer implement it (see Grown).
//     This holds with update too: regenerating the files does not make a
//     removal silent, and the files are not rewritten until it is named.
//   - the last release's API is not what was released: a file of it is
//     gone, edited, or not pinned by its SumsFile (see pin.go).
func Check(root string, update bool) (problems, updated []string, err error) {
	mods, err := modules.Find(root)
	if err != nil {
		return nil, nil, err
	}
	changelog, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		return nil, nil, err
	}
	c := modules.ParseChangelog(string(changelog))
	released := c.LastRelease()
	releasedDir := filepath.Join(root, "api", released)
	if released != "" {
		if _, err := os.Stat(releasedDir); err != nil {
			return []string{fmt.Sprintf("CHANGELOG.md says %s is released, but its API, api/%s/, is missing: at the release's commit, mkdir api/%s && cp api/*.txt api/%s/ (CONTRIBUTING, Cutting a release)", released, released, released, released)}, nil, nil
		}
		if problems := checkPinned(releasedDir, "api/"+released); len(problems) > 0 {
			return problems, nil, nil
		}
	}
	pkgNames, err := packageNames(root, mods)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range mods {
		name, err := FileName(root, m)
		if err != nil {
			return nil, nil, err
		}
		got, err := Describe(root, m)
		if err != nil {
			return nil, nil, err
		}
		if len(got) == 0 {
			problems = append(problems, fmt.Sprintf("%s: no API described (no public package?)", m.Path))
			continue
		}
		var unannounced []string
		if released != "" {
			// A module first released later has no file there: all new.
			was, err := readAPI(filepath.Join(releasedDir, name))
			if err != nil {
				return nil, nil, err
			}
			removed, added := Diff(was, got)
			broken := append(removed, Grown(was, added)...)
			if unannounced = Unannounced(broken, c.PendingBreaking(), pkgNames); len(unannounced) > 0 {
				problems = append(problems, ReleaseReport("api/"+released+"/"+name, released, unannounced, pkgNames))
			}
		}
		file := filepath.Join(root, "api", name)
		want, err := readAPI(file)
		if err != nil {
			return nil, nil, err
		}
		removed, added := Diff(want, got)
		switch {
		case len(removed)+len(added) == 0:
		case !update:
			problems = append(problems, Report("api/"+name, removed, added))
		case len(unannounced) > 0:
			problems = append(problems, fmt.Sprintf("not updating api/%s until CHANGELOG.md names the removals above", name))
		default:
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				return nil, nil, err
			}
			if err := os.WriteFile(file, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
				return nil, nil, err
			}
			updated = append(updated, fmt.Sprintf("api/%s: %d added, %d removed or changed", name, len(added), len(removed)))
		}
	}
	return problems, updated, nil
}

// packageNames maps every public package's import path to its name.
func packageNames(root string, mods []modules.Module) (map[string]string, error) {
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
