package redact

import (
	"html"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

//go:generate python3 gen/viewtable.py

// This file is the decoder-side half of the scan. A consumer does not read
// a server's text as bytes: a JSON decoder undoes \" and \u0066, a URL
// parser undoes %66, a browser undoes &amp; and &#102;, and any of them may
// compare letters in any case or normalize the text. No list of encodings
// covers every mix of escaped and unescaped characters (each one may be
// written either way), so the Scrubber also reads text the way such a
// consumer does, its view, and looks for the secret's own view there:
//   - JSON escapes (\" \\ \/ \b \f \n \r \t \uXXXX, surrogate pairs joined,
//     a lone surrogate read as U+FFFD as encoding/json reads it), percent
//     escapes (%XX, hex in either case) and HTML character references
//     (&#NNN; &#xHH;, any number of digits, leading zeros included, the
//     semicolon optional; every named one html.UnescapeString knows, and
//     the legacy ones it reads without a semicolon, "&amp" "&copy") are
//     undone, each exactly as html.UnescapeString reads it, in one
//     pass, and the pass is repeated on its own output (at most
//     decodePasses in all) while it changes something, so an escape written
//     inside another (%5Cu0066, \u002566, &amp;#102;) is undone too;
//   - every rune reads as its full compatibility decomposition (NFKD) with
//     its full case fold (of its lower of its upper case), to a fixpoint
//     (viewtable.go, generated from Unicode 14.0.0, Python's unicodedata,
//     by gen/viewtable.py, which checks these rules for every code point):
//     the upper, lower, title and folded case of a letter as Go, Python,
//     JavaScript and Java write them ("ß" and "SS", "ᾳ" and "ΑΙ", "ŉ" and
//     "ʼN"), and its NFC, NFD, NFKC and NFKD forms, all read the same;
//   - combining marks stay: put in canonical order (stable by combining
//     class, runs of at most maxMarks) and composed again as NFC composes
//     (Hangul jamo by rule), so an echo in NFD matches a secret in NFC and
//     the other way round, and the view is about as long as the text (a
//     piece of a secret too short to be one is not one in the view either);
//     one exception: a dot above right after "i" reads as nothing, since
//     Python and JavaScript lower "İ" to "i̇" and Go to "i".
// The same function reads the secret and the text, so both sides agree on
// every rule. A match in the view marks the bytes of the text it was read
// from. The view of a secret can be shorter than the secret (fullwidth
// letters read as ASCII, "İ" as "i"); one shorter than MinSecretLen is not
// indexed, and the secret's raw forms always are. Go's unicode package is
// at Unicode 15.0.0: a rune new in 15.0 reads as itself (none of them has
// a case mapping in Go's tables: TestViewTableProperties checks them).

// decodePasses bounds how many times the escapes are undone: enough for an
// escape inside an escape inside an escape, and a crafted text stays linear.
const decodePasses = 3

// maxMarks bounds a run of combining marks put in canonical order, as
// Unicode's stream-safe format does, so a text of marks stays linear.
const maxMarks = 30

// view returns t as a consumer reads it and, for each byte of the view, the
// offset in t of the escape or rune it was read from (never decreasing: a
// piece ends where the next begins). ok is false when t holds no escape and
// no non-ASCII byte: its view is t with ASCII case folded, which the raw
// scan already reads.
func view[T bytestring](t T) (v []byte, from []int32, ok bool) {
	if !mayDecode(t) {
		return nil, nil, false
	}
	// Escapes first, then runes: a rune percent-encoded byte by byte is
	// whole only once its bytes are decoded.
	dec, decFrom, changed := unescapeAll(t, nil)
	for range decodePasses - 1 {
		if !changed || !hasEscape(dec) {
			break
		}
		dec, decFrom, changed = unescapeAll(dec, decFrom)
	}
	// Decomposing makes the view a little longer than the text at most
	// letters ("é" is 2 bytes, e and U+0301 3) until compose.
	r := reader{v: make([]byte, 0, len(dec)+len(dec)/2), from: make([]int32, 0, len(dec)+len(dec)/2)}
	for i := 0; i < len(dec); {
		c, at := dec[i], decFrom[i]
		if c < utf8.RuneSelf {
			r.emit(rune(fold(c)), at)
			i++
			continue
		}
		ru, n := utf8.DecodeRune(dec[i:])
		if ru == utf8.RuneError && n <= 1 {
			r.v, r.from, r.run = append(r.v, c), append(r.from, at), 0
			i++
			continue
		}
		r.rune(ru, at)
		i += n
	}
	if !r.compose {
		return r.v, r.from, true
	}
	v, from = compose(r.v, r.from)
	return v, from, true
}

// unescapeAll undoes the escapes in t once. from maps t's bytes to the
// original text's (nil: t is the original). changed is false when t held
// no escape.
func unescapeAll[T bytestring](t T, from []int32) (dec []byte, decFrom []int32, changed bool) {
	dec = make([]byte, 0, len(t))
	decFrom = make([]int32, 0, len(t))
	for i := 0; i < len(t); {
		b, n := unescape(t, i, dec)
		at := int32(i)
		if from != nil {
			at = from[i]
		}
		for range len(b) - len(dec) {
			decFrom = append(decFrom, at)
		}
		changed = changed || n > 1
		dec, i = b, i+n
	}
	return dec, decFrom, changed
}

// mayDecode reports whether t's view can differ from t beyond ASCII case.
func mayDecode[T bytestring](t T) bool {
	for i := 0; i < len(t); i++ {
		if c := t[i]; c == '\\' || c == '%' || c >= utf8.RuneSelf || c == '&' && refLen(t, i) > 0 {
			return true
		}
	}
	return false
}

// hasEscape reports whether t holds something shaped like an escape
// unescape undoes.
func hasEscape(t []byte) bool {
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '%':
			if i+2 < len(t) && isHex(t[i+1]) && isHex(t[i+2]) {
				return true
			}
		case '&':
			if refLen(t, i) > 0 {
				return true
			}
		case '\\':
			if i+1 < len(t) && indexByte(`"\/bfnrtu`, t[i+1]) >= 0 {
				return true
			}
		}
	}
	return false
}

// reader builds a view rune by rune.
type reader struct {
	v    []byte
	from []int32
	run  int // combining marks at the end of v, in canonical order
	// runClass and runLen are the class and UTF-8 length of each mark of
	// the run, so a mark finds its place without decoding or looking up
	// the marks before it again.
	runClass, runLen [maxMarks]uint8
	// compose is set once v holds a rune that can join the one before it.
	compose bool
}

// rune appends what r reads as.
func (w *reader) rune(r rune, at int32) {
	if int(r) < len(cccFirst) && !lowFlags[r].has(readsAsOther) {
		w.emit(r, at)
		return
	}
	k, ok := slices.BinarySearch(viewRunes[:], r)
	if !ok {
		w.emit(r, at)
		return
	}
	for _, c := range viewData[viewOff[k]:viewOff[k+1]] {
		w.emit(c, at)
	}
}

// emit appends c, a rune already read as itself, keeping the marks at the
// end of the view in canonical order.
func (w *reader) emit(c rune, at int32) {
	if c == 0x307 && len(w.v) > 0 && w.v[len(w.v)-1] == 'i' {
		return
	}
	class := combiningClass(c)
	if !w.compose && c >= 0x300 && (class > 0 || jamoV <= c && c < jamoT+28 || isStarterSecond(c)) {
		w.compose = true
	}
	var b [utf8.UTFMax]byte
	n := utf8.EncodeRune(b[:], c)
	if class == 0 || w.run >= maxMarks {
		w.v = append(w.v, b[:n]...)
		for len(w.from) < len(w.v) {
			w.from = append(w.from, at)
		}
		w.run = min(int(class), 1)
		w.runClass[0], w.runLen[0] = class, uint8(n)
		return
	}
	// Insert c after the last mark of the run whose class is not greater.
	k, m := len(w.v), w.run
	for m > 0 && w.runClass[m-1] > class {
		m--
		k -= int(w.runLen[m])
	}
	copy(w.runClass[m+1:w.run+1], w.runClass[m:w.run])
	copy(w.runLen[m+1:w.run+1], w.runLen[m:w.run])
	w.runClass[m], w.runLen[m] = class, uint8(n)
	at = min(at, w.fromAt(k))
	w.v = slices.Insert(w.v, k, b[:n]...)
	ats := [utf8.UTFMax]int32{at, at, at, at}
	w.from = slices.Insert(w.from, k, ats[:n]...)
	w.run++
}

// fromAt is the source of view byte k, or of the next one to come.
func (w *reader) fromAt(k int) int32 {
	if k < len(w.from) {
		return w.from[k]
	}
	return 1<<31 - 1
}

// compose composes v, decomposed and with its marks in canonical order, as
// NFC does: a rune joins the last starter before it when nothing between
// them blocks it (no rune between, or only marks of a lower class) and the
// pair has a primary composite. The composite takes the starter's place
// and source.
func compose(v []byte, from []int32) ([]byte, []int32) {
	// In place: a composite is never longer than the pair it replaces, so
	// what is written never passes what is still to be read.
	out, outFrom := v[:0], from[:0]
	starter := -1     // offset in out of the last starter, -1 for none
	adjacent := false // the last rune in out is the starter
	var between uint8 // the highest class after the starter
	for i := 0; i < len(v); {
		c, n := utf8.DecodeRune(v[i:])
		invalid, class := c == utf8.RuneError && n <= 1, combiningClass(c)
		// Every rune that joins the one before it is U+0300 or above.
		if !invalid && c >= 0x300 && starter >= 0 && (adjacent || class > between) {
			s, sn := utf8.DecodeRune(out[starter:])
			if p, ok := composite(s, c); ok {
				var b [utf8.UTFMax]byte
				pn := utf8.EncodeRune(b[:], p)
				at := outFrom[starter]
				ats := [utf8.UTFMax]int32{at, at, at, at}
				out = slices.Replace(out, starter, starter+sn, b[:pn]...)
				outFrom = slices.Replace(outFrom, starter, starter+sn, ats[:pn]...)
				i += n
				continue
			}
		}
		switch {
		case invalid:
			starter = -1
		case class == 0:
			starter, adjacent, between = len(out), true, 0
		default:
			adjacent, between = false, max(between, class)
		}
		out = append(out, v[i:i+n]...)
		outFrom = append(outFrom, from[i:i+n]...)
		i += n
	}
	return out, outFrom
}

const (
	hangulFirst, hangulCount = 0xAC00, 11172
	jamoL, jamoV, jamoT      = 0x1100, 0x1161, 0x11A7
)

// composite returns the primary composite of a and b: Hangul by rule, the
// rest from the table.
func composite(a, b rune) (rune, bool) {
	switch {
	case jamoL <= a && a < jamoL+19 && jamoV <= b && b < jamoV+21:
		return hangulFirst + ((a-jamoL)*21+b-jamoV)*28, true
	case hangulFirst <= a && a < hangulFirst+hangulCount && (a-hangulFirst)%28 == 0 && jamoT < b && b < jamoT+28:
		return a + b - jamoT, true
	case int(b) < len(lowFlags) && !lowFlags[b].has(joinsBefore):
		return 0, false
	}
	k, ok := slices.BinarySearchFunc(compositions[:], [2]rune{a, b}, func(e [3]rune, p [2]rune) int {
		if e[0] != p[0] {
			return int(e[0] - p[0])
		}
		return int(e[1] - p[1])
	})
	if !ok {
		return 0, false
	}
	return compositions[k][2], true
}

func isStarterSecond(c rune) bool {
	_, ok := slices.BinarySearch(starterSeconds[:], c)
	return ok
}

// cccRange is a run of runes of one canonical combining class.
type cccRange struct {
	first, last rune
	class       uint8
}

// cccFirst holds the canonical combining class of every rune below
// len(cccFirst), where almost every mark a text holds is, so the view
// looks a class up with one index instead of a search.
var cccFirst = func() (t [0x3100]uint8) {
	for _, r := range cccRanges {
		for c := r.first; c <= r.last && int(c) < len(t); c++ {
			t[c] = r.class
		}
	}
	return t
}()

// lowFlags says, for every rune below len(cccFirst), what the tables hold
// of it, so the view's common runes cost one index, not a search each.
var lowFlags = func() (t [len(cccFirst)]runeFlags) {
	for _, r := range viewRunes {
		if int(r) < len(t) {
			t[r] |= readsAsOther
		}
	}
	for _, c := range compositions {
		if int(c[1]) < len(t) {
			t[c[1]] |= joinsBefore
		}
	}
	return t
}()

type runeFlags uint8

const (
	readsAsOther runeFlags = 1 << iota // in viewRunes
	joinsBefore                        // the second rune of a composition
)

func (f runeFlags) has(g runeFlags) bool { return f&g != 0 }

// combiningClass is c's canonical combining class (0 for a base letter).
func combiningClass(c rune) uint8 {
	if c < 0x300 {
		return 0
	}
	if int(c) < len(cccFirst) {
		return cccFirst[c]
	}
	k, _ := slices.BinarySearchFunc(cccRanges[:], c, func(e cccRange, c rune) int {
		switch {
		case e.last < c:
			return -1
		case e.first > c:
			return 1
		}
		return 0
	})
	if k < len(cccRanges) && cccRanges[k].first <= c && c <= cccRanges[k].last {
		return cccRanges[k].class
	}
	return 0
}

// unescape appends what the escape (or the byte) at t[i] decodes to and
// returns how many bytes of t it took: more than 1 for an escape.
func unescape[T bytestring](t T, i int, out []byte) ([]byte, int) {
	c := t[i]
	switch {
	case c == '%' && i+2 < len(t) && isHex(t[i+1]) && isHex(t[i+2]):
		return append(out, byte(hexVal(t[i+1])<<4|hexVal(t[i+2]))), 3
	case c == '&':
		if n := refLen(t, i); n > 0 {
			if b, ok := unescapeRef(t[i:i+n], out); ok {
				return b, n
			}
		}
		return append(out, c), 1
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

// unescapeRef appends what the character reference ref (its shape checked
// by refLen) reads as; false when html knows no such name. The common ones
// are read here, without allocating; html.UnescapeString reads the rest.
func unescapeRef[T bytestring](ref T, out []byte) ([]byte, bool) {
	if ref[1] == '#' {
		// As html.UnescapeString reads it: every digit counts, in a rune
		// that wraps past 32 bits ("&#4294967398;" is "f").
		var x rune
		hex := fold(ref[2]) == 'x'
		for k := 2 + bool2int(hex); k < len(ref) && ref[k] != ';'; k++ {
			if hex {
				x = x<<4 | rune(hexVal(ref[k]))
			} else {
				x = x*10 + rune(ref[k]-'0')
			}
		}
		switch {
		case 0x80 <= x && x <= 0x9F:
			// Read as Windows-1252, as browsers do: html's table.
			return append(out, html.UnescapeString("&#"+strconv.Itoa(int(x))+";")...), true
		case x <= 0 || x > unicode.MaxRune || 0xD800 <= x && x < 0xE000:
			x = utf8.RuneError
		}
		return utf8.AppendRune(out, x), true
	}
	switch string(ref) { // no allocation: the conversion is only compared
	case "&amp;", "&AMP;", "&amp", "&AMP":
		return append(out, '&'), true
	case "&lt;", "&LT;", "&lt", "&LT":
		return append(out, '<'), true
	case "&gt;", "&GT;", "&gt", "&GT":
		return append(out, '>'), true
	case "&quot;", "&QUOT;", "&quot", "&QUOT":
		return append(out, '"'), true
	case "&apos;":
		return append(out, '\''), true
	}
	s := string(ref)
	d := html.UnescapeString(s)
	return append(out, d...), d != s
}

func bool2int(b bool) int {
	if b {
		return 1
	}
	return 0
}

// refLen returns the length of the HTML character reference at t[i] ('&')
// by its shape alone, or 0: "&#" and decimal digits, or "&#x" and hex
// digits, as many as there are (html.UnescapeString reads them all, so
// "&#000000102;" is "f"), then an optional ";"; or "&", a letter, up to 31
// letters and digits, and ";" (the longest name html knows has 31); or,
// without the ";", the longest of the legacy names html reads without one
// ("&amp", "&copy") that starts the letters and digits after "&". Whether a
// name with ";" is one html.UnescapeString knows is for the caller to ask.
func refLen[T bytestring](t T, i int) int {
	j := i + 1
	if j < len(t) && t[j] == '#' {
		j++
		digit := func(c byte) bool { return '0' <= c && c <= '9' }
		if j < len(t) && fold(t[j]) == 'x' {
			j++
			digit = isHex
		}
		d := j
		for j < len(t) && digit(t[j]) {
			j++
		}
		switch {
		case j == d:
			return 0
		case j < len(t) && t[j] == ';':
			j++
		}
		return j - i
	}
	if j >= len(t) || !isLetter(t[j]) {
		return 0
	}
	for j < len(t) && j-i <= 32 && alnum(t[j]) {
		j++
	}
	if j < len(t) && t[j] == ';' {
		return j + 1 - i
	}
	for n := min(j-i-1, longestLegacyRef); n >= 2; n-- {
		if legacyRefs[string(t[i+1:i+1+n])] {
			return n + 1
		}
	}
	return 0
}

// longestLegacyRef is the longest name in legacyRefs.
const longestLegacyRef = 6

// legacyRefs are the named references html.UnescapeString reads without a
// ";" (HTML's legacy ones: TestLegacyRefs checks each).
var legacyRefs = map[string]bool{}

func init() {
	for _, name := range strings.Fields(`AElig AMP Aacute Acirc Agrave Aring Atilde Auml COPY Ccedil ETH
		Eacute Ecirc Egrave Euml GT Iacute Icirc Igrave Iuml LT Ntilde Oacute Ocirc Ograve Oslash Otilde
		Ouml QUOT REG THORN Uacute Ucirc Ugrave Uuml Yacute aacute acirc acute aelig agrave amp aring
		atilde auml brvbar ccedil cedil cent copy curren deg divide eacute ecirc egrave eth euml frac12
		frac14 frac34 gt iacute icirc iexcl igrave iquest iuml laquo lt macr micro middot nbsp not ntilde
		oacute ocirc ograve ordf ordm oslash otilde ouml para plusmn pound quot raquo reg sect shy sup1
		sup2 sup3 szlig thorn times uacute ucirc ugrave uml uuml yacute yen yuml`) {
		legacyRefs[name] = true
	}
}

func isLetter(c byte) bool {
	c = fold(c)
	return 'a' <= c && c <= 'z'
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
