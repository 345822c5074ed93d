// Package errtext holds the SDK's one rule for text from outside (a
// server's error body, a redirect's Location) that goes into an error
// message: one error is one log line.
package errtext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// OneLine returns outside text fit for an error message: every rune that is
// not printable (line breaks, terminal escapes, NUL, bidirectional
// overrides, invalid UTF-8) is written as its Go escape, so one error stays
// one log line and cannot repaint a terminal. Plain ASCII is returned as is.
func OneLine(s string) string {
	i := 0
	for i < len(s) && s[i] >= ' ' && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(s[i])&0xf, 16))
		case r == ' ' || strconv.IsPrint(r):
			b.WriteString(s[i : i+n])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}
