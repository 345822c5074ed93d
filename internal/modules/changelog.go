package modules

import (
	"errors"
	"iter"
	"regexp"
	"strings"
)

// CHANGELOG.md's sections, newest first. A section is pending (not
// released yet) when its heading is "## [Unreleased]" or a version without
// a date ("## 0.4.0"); it is released once the date follows the version
// ("## [0.3.0] - 2026-12-03"). Every pending section is above the newest
// released one.
var (
	versionHeading    = regexp.MustCompile(`^## \[?v?(\d+\.\d+\.\d+)\]?(\s+-\s+\d{4}-\d{2}-\d{2})?(\s|$)`)
	unreleasedHeading = regexp.MustCompile(`(?i)^## \[?unreleased\]?\s*$`)
)

// Section is one "## " section of CHANGELOG.md.
type Section struct {
	Version  string // "v0.4.0"; "" for "## [Unreleased]"
	Released bool   // the heading carries the release date
	Text     string // the section, its heading included
}

// Changelog is CHANGELOG.md's release sections, newest first.
type Changelog []Section

// ParseChangelog returns the Unreleased and version sections of a
// CHANGELOG.md's text; other "## " headings end a section and are skipped.
func ParseChangelog(text string) Changelog {
	var c Changelog
	in := false
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, "## ") {
			heading := strings.TrimRight(line, "\r\n")
			in = true
			switch m := versionHeading.FindStringSubmatch(heading); {
			case m != nil:
				c = append(c, Section{Version: "v" + m[1], Released: m[2] != ""})
			case unreleasedHeading.MatchString(heading):
				c = append(c, Section{})
			default:
				in = false
			}
		}
		if in {
			c[len(c)-1].Text += line
		}
	}
	return c
}

// LastRelease returns the version of the newest released section, "" when
// nothing is released yet.
func (c Changelog) LastRelease() string {
	for _, s := range c {
		if s.Released {
			return s.Version
		}
	}
	return ""
}

// PendingBreaking returns the lines under the "### Breaking …" headings of
// every section above the newest released one: the breaking changes the
// next release announces.
func (c Changelog) PendingBreaking() string {
	var b strings.Builder
	for _, s := range c {
		if s.Released {
			break
		}
		b.WriteString(Release{Version: s.Version, Text: s.Text}.Breaking())
	}
	return b.String()
}

// Release is CHANGELOG.md's newest versioned section.
type Release struct {
	Version string // "v0.4.0"
	Text    string // the section, its heading included
}

// NewestRelease returns the first (newest) section of a CHANGELOG.md's
// text that names a version, released or not: the version the modules are
// published at.
func NewestRelease(changelog string) (Release, error) {
	for _, s := range ParseChangelog(changelog) {
		if s.Version != "" {
			return Release{Version: s.Version, Text: s.Text}, nil
		}
	}
	return Release{}, errors.New(`CHANGELOG.md: no release heading ("## X.Y.Z")`)
}

// Breaking returns the lines a reader sees under the section's "###
// Breaking changes" (or "### Breaking") heading, matched whole and
// case-insensitively, up to the next heading of any level: not a line in
// a code fence or an HTML comment (nor a heading there), nor what is under
// "### Breakingly good news" or a "#### …" subheading.
func (r Release) Breaking() string {
	var b strings.Builder
	in := false
	for line := range visibleLines(r.Text) {
		if heading.MatchString(line) {
			in = breakingHeading.MatchString(strings.TrimSpace(line))
			continue
		}
		if in {
			b.WriteString(line)
		}
	}
	return b.String()
}

var (
	heading         = regexp.MustCompile(`^ {0,3}#{1,6}(\s|$)`)
	breakingHeading = regexp.MustCompile(`(?i)^###\s+breaking(\s+changes)?$`)
	fence           = regexp.MustCompile("^\\s*(```+|~~~+)")
)

// visibleLines yields text's lines as rendered Markdown shows them to a
// reader: HTML comments (one-line or spanning lines) cut out, a line left
// blank only by a comment dropped, code fences and their contents dropped.
func visibleLines(text string) iter.Seq[string] {
	return func(yield func(string) bool) {
		comment := false
		openFence := "" // the fence's marker while inside one
		for line := range strings.Lines(text) {
			if openFence == "" && !comment {
				if m := fence.FindStringSubmatch(line); m != nil {
					openFence = m[1]
					continue
				}
			}
			if openFence != "" {
				if m := fence.FindStringSubmatch(line); m != nil && m[1][0] == openFence[0] && len(m[1]) >= len(openFence) && strings.TrimSpace(line[len(m[0]):]) == "" {
					openFence = ""
				}
				continue
			}
			visible, cut := "", comment
			for rest := line; rest != ""; {
				if comment {
					_, after, closed := strings.Cut(rest, "-->")
					if !closed {
						break
					}
					comment, rest = false, after
					continue
				}
				before, after, opened := strings.Cut(rest, "<!--")
				visible += before
				if !opened {
					break
				}
				comment, cut, rest = true, true, after
			}
			if cut && strings.TrimSpace(visible) == "" {
				continue
			}
			if !strings.HasSuffix(visible, "\n") && strings.HasSuffix(line, "\n") {
				visible += "\n"
			}
			if !yield(visible) {
				return
			}
		}
	}
}
