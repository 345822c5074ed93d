package redact

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the decoder-side half of the scan. A consumer does not read
// a server's text as bytes: a JSON decoder undoes \" and \u0066, a URL
// parser undoes %66, and either may compare letters in any case. No list of
// encodings covers every mix of escaped and unescaped characters (each one
// may be written either way), so the Scrubber also reads text the way such
// a consumer does, its view, and looks for the secret's own view there:
//   - JSON escapes (\" \\ \/ \b \f \n \r \t \uXXXX, surrogate pairs joined,
//     a lone surrogate read as U+FFFD as encoding/json reads it) and percent
//     escapes (%XX, hex in either case) are undone, in one pass;
//   - every rune's case is folded (unicode.ToLower of unicode.ToUpper: the
//     variants strings.ToUpper, ToLower and ToTitle give, and any mix of
//     them, read the same), and the letters whose full case mapping
//     changes their length read as what they expand to ("ß" as "ss").
// A match in the view marks the bytes of the text it was read from.

// view returns t as a consumer reads it and, for each byte of the view, the
// offset in t of the escape or rune it was read from (the pieces are
// contiguous and in order, so a piece ends where the next begins). ok is
// false when t holds no escape and no non-ASCII byte: its view is t with
// ASCII case folded, which the raw scan already reads.
func view[T bytestring](t T) (v []byte, from []int32, ok bool) {
	if !mayDecode(t) {
		return nil, nil, false
	}
	// Escapes first, then case: a rune percent-encoded byte by byte is
	// whole only once its bytes are decoded.
	dec := make([]byte, 0, len(t))
	decFrom := make([]int32, 0, len(t))
	for i := 0; i < len(t); {
		b, n := unescape(t, i, dec)
		for range len(b) - len(dec) {
			decFrom = append(decFrom, int32(i))
		}
		dec, i = b, i+n
	}
	v = make([]byte, 0, len(dec))
	from = make([]int32, 0, len(dec))
	for i := 0; i < len(dec); {
		r, n := utf8.DecodeRune(dec[i:])
		at := decFrom[i]
		if r == utf8.RuneError && n <= 1 {
			v = append(v, dec[i])
			from = append(from, at)
			i++
			continue
		}
		before := len(v)
		if x, ok := expansions[foldRune(r)]; ok {
			v = append(v, x...)
		} else {
			v = utf8.AppendRune(v, foldRune(r))
		}
		for range len(v) - before {
			from = append(from, at)
		}
		i += n
	}
	return v, from, true
}

// mayDecode reports whether t's view can differ from t beyond ASCII case.
func mayDecode[T bytestring](t T) bool {
	for i := 0; i < len(t); i++ {
		if c := t[i]; c == '\\' || c == '%' || c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// expansions are the letters whose full case mapping changes their length
// (Python's, JavaScript's and Java's upper-casing turn "ß" into "SS", "ﬁ"
// into "FI"; Go's keeps them): their view is the letters they expand to, so
// that an echo in either form reads the same.
var expansions = map[rune]string{
	'ß': "ss", '\uFB00': "ff", '\uFB01': "fi", '\uFB02': "fl", '\uFB03': "ffi", '\uFB04': "ffl", '\uFB05': "st", '\uFB06': "st",
}

// foldRune is the case every variant of r shares.
func foldRune(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }

// unescape appends what the escape (or the byte) at t[i] decodes to and
// returns how many bytes of t it took.
func unescape[T bytestring](t T, i int, out []byte) ([]byte, int) {
	c := t[i]
	switch {
	case c == '%' && i+2 < len(t) && isHex(t[i+1]) && isHex(t[i+2]):
		return append(out, byte(hexVal(t[i+1])<<4|hexVal(t[i+2]))), 3
	case c != '\\' || i+1 >= len(t):
		return append(out, c), 1
	}
	if k := indexByte(`"\/bfnrt`, t[i+1]); k >= 0 {
		return append(out, "\"\\/\b\f\n\r\t"[k]), 2
	}
	r, ok := hex4(t, i)
	if !ok {
		return append(out, c), 1
	}
	n := 6
	if utf16.IsSurrogate(r) {
		r2, ok := hex4(t, i+6)
		if r = utf16.DecodeRune(r, r2); ok && r != utf8.RuneError {
			n = 12
		}
	}
	return utf8.AppendRune(out, r), n
}

// hex4 reads the \uXXXX at t[i].
func hex4[T bytestring](t T, i int) (rune, bool) {
	if i+6 > len(t) || t[i] != '\\' || t[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range []byte{t[i+2], t[i+3], t[i+4], t[i+5]} {
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(hexVal(c))
	}
	return r, true
}

func isHex(c byte) bool {
	c = fold(c)
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f'
}

func hexVal(c byte) byte {
	if c = fold(c); c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// viewString is a secret's view, for the index.
func viewString(secret string) (string, bool) {
	v, _, ok := view(secret)
	return string(v), ok
}
