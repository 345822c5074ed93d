package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aitronos/freddy-go/internal/modules"
)

func main() {
	root := flag.String("root", ".", "the repository's root")
	out := flag.String("out", "", "the directory to write the proxy into (GOPROXY=file://DIR)")
	consumers := flag.String("consumers", "", "the directory to write one program per module into, each importing every public package of its module")
	flag.Parse()
	if err := run(*root, *out, *consumers); err != nil {
		fmt.Fprintln(os.Stderr, "proxycheck:", err)
		os.Exit(1)
	}
}

func run(root, out, consumers string) error {
	r, err := readRelease(root)
	if err != nil {
		return err
	}
	problems := append(r.checkRequirements(), r.checkDirectives()...)
	problems = append(problems, r.checkWorkFiles(root)...)
	if len(problems) > 0 {
		return fmt.Errorf("%d problem(s):\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	if out == "" {
		return nil
	}
	for i, m := range append([]modules.Module{r.Core}, r.Sides...) {
		if err := writeModule(out, root, m, r.Version); err != nil {
			return err
		}
		line := m.Path + " " + r.Version
		if consumers != "" {
			dir := filepath.Join(consumers, fmt.Sprint(i))
			if err := writeConsumer(dir, root, r.Core.Path, m); err != nil {
				return err
			}
			line += " " + dir
		}
		fmt.Println(line)
	}
	return nil
}

// writeConsumer writes a program that imports every public package of m
// and prints the core's Version, the one a proxy user's build selected.
func writeConsumer(dir, root, corePath string, m modules.Module) error {
	pkgs, err := modules.Packages(root, m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("// Command consumer is a proxy user's program: it imports every public\n// package of " + m.Path + ".\npackage main\n\nimport (\n\t\"fmt\"\n\n")
	fmt.Fprintf(&b, "\tfreddy %q\n", corePath)
	for _, p := range pkgs {
		if p.ImportPath != corePath {
			fmt.Fprintf(&b, "\t_ %q\n", p.ImportPath)
		}
	}
	b.WriteString(")\n\nfunc main() { fmt.Println(freddy.Version) }\n")
	return os.WriteFile(filepath.Join(dir, "main.go"), []byte(b.String()), 0o644)
}
