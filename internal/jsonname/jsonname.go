// Package jsonname matches JSON member names the way encoding/json matches
// them to struct fields, so that the SDK's decoder and the RawJSON redactor
// agree on which members are credentials: the one place that rule lives.
package jsonname

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Equal reports whether encoding/json reads a member named key into a field
// named name: equal under Unicode case folding, as bytes.EqualFold (and so
// "credentialſ", with U+017F, is "credentials").
func Equal(key, name string) bool { return strings.EqualFold(key, name) }

// MayHold reports whether the JSON text raw may hold a member name Equal to
// name (an ASCII name). False means it certainly does not, so a caller can
// skip the token walk. It is true when raw holds name in any ASCII case, a
// \u escape, or a non-ASCII rune that folds to an ASCII letter (U+017F ſ,
// U+212A Kelvin sign).
func MayHold(raw []byte, name string) bool {
	if bytes.Contains(raw, []byte(`\u`)) {
		return true
	}
	for i := 0; i+len(name) <= len(raw); i++ {
		if bytes.EqualFold(raw[i:i+len(name)], []byte(name)) {
			return true
		}
	}
	for i := 0; i < len(raw); {
		if raw[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(raw[i:])
		if foldsToASCII(r) {
			return true
		}
		i += n
	}
	return false
}

// foldsToASCII reports whether r's case-folding orbit holds an ASCII rune.
func foldsToASCII(r rune) bool {
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return true
		}
	}
	return false
}
