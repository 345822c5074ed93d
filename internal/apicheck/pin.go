package apicheck

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SumsFile lists, in sha256sum's format ("<hex>  freddy.txt"), the
// SHA-256 of each file of a release's API (api/vX.Y.Z/), written once when
// the release is cut: editing or deleting a released snapshot, which would
// hide a removal from the check, then needs a second, visible edit here.
const SumsFile = "SHA256SUMS"

// checkPinned returns what is wrong with the released API in dir (shown
// as rel): SumsFile missing or unreadable, a file it lists gone or not the
// one it pinned, a snapshot it does not list.
func checkPinned(dir, rel string) []string {
	fix := fmt.Sprintf("a released API is written once (CONTRIBUTING, Cutting a release: cd %s && sha256sum *.txt > %s)", rel, SumsFile)
	b, err := os.ReadFile(filepath.Join(dir, SumsFile))
	if err != nil {
		return []string{fmt.Sprintf("%s/%s: %v: %s", rel, SumsFile, err, fix)}
	}
	var problems, listed []string
	for line := range strings.Lines(string(b)) {
		sum, name, ok := strings.Cut(strings.TrimSpace(line), "  ")
		if !ok || strings.ContainsAny(name, `/\`) {
			problems = append(problems, fmt.Sprintf("%s/%s: malformed line %q", rel, SumsFile, line))
			continue
		}
		listed = append(listed, name)
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s/%s is gone (%v), but the module had it at the release: %s", rel, name, err, fix))
			continue
		}
		if h := sha256.Sum256(got); hex.EncodeToString(h[:]) != sum {
			problems = append(problems, fmt.Sprintf("%s/%s is not the file released (its SHA-256 is not the one %s recorded): %s", rel, name, SumsFile, fix))
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return append(problems, err.Error())
	}
	for _, f := range files {
		if !slices.Contains(listed, filepath.Base(f)) {
			problems = append(problems, fmt.Sprintf("%s/%s is not in %s: %s", rel, filepath.Base(f), SumsFile, fix))
		}
	}
	return problems
}
