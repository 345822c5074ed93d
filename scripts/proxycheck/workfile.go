package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aitronos/freddy-go/internal/modules"
)

// workFile is what go.work says: the modules it uses, and the version of
// the core it reads from the checkout.
type workFile struct {
	Use []string // directories, cleaned ("." for the root)
	// CoreReplaced is the version of the core replaced by "./" ("" when
	// there is no such replace).
	CoreReplaced string
}

// readWorkFile parses go.work's use and replace directives.
func readWorkFile(root, corePath string) (*workFile, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return nil, err
	}
	w := &workFile{}
	for directive, fields := range modules.Directives(string(b)) {
		switch {
		case directive == "use" && len(fields) == 1:
			w.Use = append(w.Use, path.Clean(strings.Trim(fields[0], `"`)))
		case directive == "replace" && len(fields) == 4 && fields[0] == corePath && fields[2] == "=>" && path.Clean(fields[3]) == ".":
			w.CoreReplaced = fields[1]
		}
	}
	return w, nil
}

// checkWorkFile returns what stops a clone from building every module
// against its own core: a module go.work does not use, or a core version
// the side modules require that go.work does not read from the checkout.
func (r *release) checkWorkFile(w *workFile) []string {
	var problems []string
	for _, m := range append([]modules.Module{r.Core}, r.Sides...) {
		if !slices.Contains(w.Use, m.Dir) {
			problems = append(problems, fmt.Sprintf("go.work does not use ./%s: add it (go work use ./%s) so that a clone builds it against this checkout", m.Dir, m.Dir))
		}
	}
	if len(r.Sides) > 0 && w.CoreReplaced != r.Version {
		problems = append(problems, fmt.Sprintf("go.work replaces %s %q => ./, want %s, the version CHANGELOG.md names and the side modules require", r.Core.Path, w.CoreReplaced, r.Version))
	}
	return problems
}
