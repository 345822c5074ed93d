package apicheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"

	"github.com/aitronos/freddy-go/internal/testenv"
)

// listed is what `go list -export -json` says of one package.
type listed struct {
	ImportPath string
	Export     string // the compiler's export data: every type the package declares, with its method set
	Error      *struct{ Err string }
}

// load returns the type-checked packages paths, as the compiler saw them
// building dir's module (go.work included): `go list -export` compiles them
// (or finds them in the build cache) and the gc importer reads their
// export data. Under `go test -race` they are built with -race, so that
// the packages the rest of the run compiles serve this check too, and the
// check adds no build of its own to a cold run.
func load(dir string, paths []string) (map[string]*types.Package, error) {
	args := []string{"list", "-e", "-export", "-json=ImportPath,Export,Error"}
	if testenv.RaceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(append(args, "--"), paths...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list in %s: %v\n%s", dir, err, stderr.Bytes())
	}
	exports := map[string]string{}
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var p listed
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("go list in %s: %v", dir, err)
		}
		if p.Error != nil || p.Export == "" {
			return nil, fmt.Errorf("%s: not built: %v", p.ImportPath, p.Error)
		}
		exports[p.ImportPath] = p.Export
	}
	imp := importer.ForCompiler(token.NewFileSet(), "gc", func(path string) (io.ReadCloser, error) {
		if file, ok := exports[path]; ok {
			return os.Open(file)
		}
		return nil, fmt.Errorf("%s: no export data", path)
	})
	pkgs := map[string]*types.Package{}
	for _, path := range paths {
		p, err := imp.Import(path)
		if err != nil {
			return nil, err
		}
		pkgs[path] = p
	}
	return pkgs, nil
}
