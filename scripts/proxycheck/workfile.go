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

// The workspace layout: each side module has its own go.work, which uses
// that module alone and replaces the core's released version by the
// checkout (`replace github.com/aitronos/freddy-go vX.Y.Z => ../`). The
// core is never a module of a workspace with another one: `go work sync`
// writes a workspace's versions into every module it uses, and the side
// modules' dependencies (golang.org/x/sys v0.48.0, go 1.26.0) would raise
// the core's go 1.25 line. In this layout it only ever touches the side
// module it is run in. There is no other go.work (none at the root, none in examples/): the proxy check
// finds every one.

// workFile is what a go.work says: the modules it uses, and where it reads
// the core from.
type workFile struct {
	Use []string // directories, cleaned, relative to the go.work ("." for its own)
	// CoreReplaced is the version of the core replaced by a directory
	// ("" when there is no such replace), CoreDir that directory, cleaned.
	CoreReplaced, CoreDir string
}

// readWorkFile parses dir's go.work's use and replace directives.
func readWorkFile(dir, corePath string) (*workFile, error) {
	b, err := os.ReadFile(filepath.Join(dir, "go.work"))
	if err != nil {
		return nil, err
	}
	w := &workFile{}
	for directive, fields := range modules.Directives(string(b)) {
		switch {
		case directive == "use" && len(fields) == 1:
			w.Use = append(w.Use, path.Clean(strings.Trim(fields[0], `"`)))
		case directive == "replace" && len(fields) == 4 && fields[0] == corePath && fields[2] == "=>":
			w.CoreReplaced, w.CoreDir = fields[1], path.Clean(fields[3])
		}
	}
	return w, nil
}

// checkWorkFiles returns what stops a clone from building each side module
// against its own core, or lets `go work sync` change the core's go.mod: a
// side module without its go.work, one that uses another module or does not
// read the released core version from the checkout, or a go.work anywhere
// else (the root, examples/, a side module's subdirectory; test data
// excepted).
func (r *release) checkWorkFiles(root string) []string {
	var problems []string
	works, err := modules.WorkFiles(root)
	if err != nil {
		return []string{err.Error()}
	}
	sides := map[string]bool{}
	for _, side := range r.Sides {
		sides[side.Dir] = true
	}
	for _, dir := range works {
		switch {
		case dir == ".":
			problems = append(problems, "go.work at the root: the core would be a workspace module, and go work sync would write the side modules' versions into its go.mod; each side module has its own go.work instead")
		case !sides[dir]:
			problems = append(problems, fmt.Sprintf("%s/go.work: a go.work belongs only at a side module's root (go work sync in any other workspace can write its modules' versions into the core's go.mod)", dir))
		}
	}
	for _, side := range r.Sides {
		w, err := readWorkFile(filepath.Join(root, filepath.FromSlash(side.Dir)), r.Core.Path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s/go.work: %v: a clone builds each side module against its own core through the module's go.work", side.Dir, err))
			continue
		}
		if !slices.Equal(w.Use, []string{"."}) {
			problems = append(problems, fmt.Sprintf("%s/go.work uses %q, want only \".\": a workspace with the core or another module lets go work sync change their go.mod", side.Dir, w.Use))
		}
		toRoot := path.Clean(strings.Repeat("../", strings.Count(side.Dir, "/")+1))
		if w.CoreReplaced != r.Version || w.CoreDir != toRoot {
			problems = append(problems, fmt.Sprintf("%s/go.work replaces %s %q => %q, want %s => %s, the version CHANGELOG.md names and the side modules require, read from this checkout", side.Dir, r.Core.Path, w.CoreReplaced, w.CoreDir, r.Version, toRoot))
		}
	}
	return problems
}
