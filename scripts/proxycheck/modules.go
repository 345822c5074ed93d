// Command proxycheck builds a file-based module proxy (GOPROXY=file://…)
// from a working tree: every module of the repository at the version
// CHANGELOG.md names, laid out by the module proxy protocol
// (https://go.dev/ref/mod#goproxy-protocol). Before writing anything it
// checks what a proxy user depends on: every side module (a directory below
// the root with its own go.mod) requires the core at exactly that version,
// once, never v0.0.0 or another, no published go.mod has a replace or
// exclude directive (read as the go command reads it: modules.Directives),
// each side module's go.work uses that module alone and points the core's
// version at this checkout, and there is no other go.work (see workfile.go).
//
//	go run ./scripts/proxycheck -root . -out DIR
//
// It prints one line per module, "path version", for scripts/proxycheck.sh,
// which fetches each one alone from the proxy in a fresh module and builds a
// program against it.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aitronos/freddy-go/internal/modules"
)

// release is what the check decides from the tree: the version every module
// is published at, the core and the side modules.
type release struct {
	Version string // "v0.4.0"
	Core    modules.Module
	Sides   []modules.Module
}

// readRelease reads CHANGELOG.md and every go.mod under root.
func readRelease(root string) (*release, error) {
	text, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		return nil, err
	}
	newest, err := modules.NewestRelease(string(text))
	if err != nil {
		return nil, err
	}
	mods, err := modules.Find(root)
	if err != nil {
		return nil, err
	}
	return &release{Version: newest.Version, Core: mods[0], Sides: mods[1:]}, nil
}

// checkRequirements returns one problem per side module that does not
// require the core exactly once, at the release's version: a proxy user gets the
// side module with whatever core it names, and v0.0.0 exists on no proxy.
func (r *release) checkRequirements() []string {
	var problems []string
	for _, side := range r.Sides {
		versions := side.Requires[r.Core.Path]
		switch {
		case len(versions) == 0:
			problems = append(problems, fmt.Sprintf("%s/go.mod does not require %s; a side module requires the core at the version it is released with (%s)", side.Dir, r.Core.Path, r.Version))
		case len(versions) > 1:
			problems = append(problems, fmt.Sprintf("%s/go.mod requires %s more than once (%s): require the core once, at the version it is released with (%s)", side.Dir, r.Core.Path, strings.Join(versions, ", "), r.Version))
		case versions[0] != r.Version:
			problems = append(problems, fmt.Sprintf("%s/go.mod requires %s %s, but CHANGELOG.md names %s: require the core at the version it is released with (never v0.0.0; a clone builds against this checkout through the module's go.work)", side.Dir, r.Core.Path, versions[0], r.Version))
		}
	}
	return problems
}

// checkDirectives returns one problem per replace or exclude directive in a
// published go.mod (the core's or a side module's). A proxy user's build
// ignores them (they apply only to the main module), so the module would
// build here and differently, or not at all, there. go.work's replace is
// the clone's, not published, and fine.
func (r *release) checkDirectives() []string {
	var problems []string
	for _, m := range append([]modules.Module{r.Core}, r.Sides...) {
		for kind, directives := range map[string][]string{"replace": m.Replaces, "exclude": m.Excludes} {
			for _, d := range directives {
				problems = append(problems, fmt.Sprintf("%s/go.mod has \"%s %s\": a published go.mod has no replace or exclude (a proxy user's build ignores it); a clone's replace goes in go.work", m.Dir, kind, d))
			}
		}
	}
	slices.Sort(problems)
	return problems
}
