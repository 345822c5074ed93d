package freddy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeIsAGuide keeps README what a newcomer reads first: the two
// commands, then short sections, the details in docs/.
func TestReadmeIsAGuide(t *testing.T) {
	b, err := os.ReadFile(readmeDoc)
	require.NoError(t, err)
	text := string(b)
	assert.Less(t, strings.Count(text, "\n"), 300, "README.md stays under 300 lines: details go to docs/")
	assert.True(t, strings.HasPrefix(text, "# freddy-go\n\n```\ngo run ./examples/create-configuration -emulator\ngo test -race -p 4 ./..."), "README starts with the two commands")
	for _, heading := range []string{"## Contents", "## Quickstart", "## Production checklist", "### Share one Client", "### Timeouts and max waits", "### Rate limits and fleets", "### Map errors to HTTP statuses", "### Telemetry", "### Test with freddytest"} {
		assert.Contains(t, text, "\n"+heading+"\n")
	}
}

// TestDocLinksResolve: every relative link of README.md and docs/*.md
// names a file that exists and, with a #fragment, a heading in it.
func TestDocLinksResolve(t *testing.T) {
	docs, err := filepath.Glob("docs/*.md")
	require.NoError(t, err)
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, doc := range append([]string{readmeDoc, "CONTRIBUTING.md"}, docs...) {
		b, err := os.ReadFile(doc)
		require.NoError(t, err)
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			file, fragment, _ := strings.Cut(target, "#")
			path := doc
			if file != "" {
				path = filepath.Join(filepath.Dir(doc), file)
			}
			info, err := os.Stat(path)
			if !assert.NoError(t, err, "%s links to %s", doc, target) || fragment == "" {
				continue
			}
			require.False(t, info.IsDir(), "%s links to a fragment of a directory: %s", doc, target)
			content, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Contains(t, anchors(string(content)), fragment, "%s links to %s: no such heading", doc, target)
		}
	}
}

// anchors returns the fragment GitHub gives each heading of a Markdown
// text: lower case, punctuation dropped, spaces as hyphens.
func anchors(text string) []string {
	var out []string
	inCode := false
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		heading := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(heading) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || r > 127:
				b.WriteRune(r)
			}
		}
		out = append(out, b.String())
	}
	return out
}
