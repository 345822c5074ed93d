package redact

import (
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonEchoes is testdata/unicode_echoes.json (gen/echoes.py): secrets and
// the forms Python gives them, whole and as pieces.
type pythonEchoes struct {
	Unicode string
	Secrets []struct {
		Secret string
		Forms  map[string]string
		Pieces []map[string]string
	}
}

func loadPythonEchoes(t *testing.T) pythonEchoes {
	t.Helper()
	b, err := os.ReadFile("testdata/unicode_echoes.json")
	require.NoError(t, err)
	var d pythonEchoes
	require.NoError(t, json.Unmarshal(b, &d))
	return d
}

// pad is random text around an echo: ASCII and precomposed letters, no
// combining mark or jamo that would join the echo's first or last letter.
func pad(r *rand.Rand) string {
	return randText(r, r.IntN(12), []rune("abcXYZ019 .,:;-_()é€ß")) + " "
}

// requireEchoScrubbed scrubs echo at a random place in random text and
// fails when any Window-byte run of it is left outside a Marker.
func requireEchoScrubbed(t *testing.T, r *rand.Rand, s *Scrubber, what, echo string) {
	t.Helper()
	in := pad(r) + echo + " " + pad(r)
	out := s.String(in)
	for _, w := range windows(echo, Window) {
		if leaked(out, w) {
			t.Fatalf("%s: window %q survived\necho %q\nin  %q\nout %q", what, w, echo, in, out)
		}
	}
	if got := string(s.Bytes([]byte(in))); got != out {
		t.Fatalf("%s: Bytes and String disagree\nString %q\nBytes  %q", what, out, got)
	}
	if !utf8.ValidString(out) {
		t.Fatalf("%s: invalid UTF-8 out %q", what, out)
	}
}

// TestPythonCaseAndNormalizationEchoes: a credential a server upper-,
// lower-, title- or case-folded the way Python does (SpecialCasing's
// length-changing mappings included: "ᾳ" as "ΑΙ", "ŉ" as "ʼN", "İ" lowered
// to "i̇"), swapped the case of, or normalized (NFC, NFD, NFKC, NFKD), whole
// or a piece of it, raw, in Python's ASCII-only JSON or HTML-escaped by
// name, leaves no Window-byte run of the echo.
func TestPythonCaseAndNormalizationEchoes(t *testing.T) {
	d := loadPythonEchoes(t)
	require.Equal(t, viewUnicode, d.Unicode, "the echoes and the view's tables come from one Unicode version")
	r := rand.New(rand.NewPCG(23, 3))
	for _, sec := range d.Secrets {
		s := New("fk_live_0123456789abcdef", map[string]any{"password": sec.Secret})
		all := append([]map[string]string{sec.Forms}, sec.Pieces...)
		for _, forms := range all {
			for _, name := range slices.Sorted(maps.Keys(forms)) {
				echo := forms[name]
				what := fmt.Sprintf("%q as %s", sec.Secret, name)
				requireEchoScrubbed(t, r, s, what, echo)
				requireEchoScrubbed(t, r, s, what+" in ASCII JSON", asciiJSON(echo))
			}
		}
	}
}

// TestViewTableProperties: for every rune, its simple upper, lower and
// title case as Go maps them reads as the rune itself, and a view read again
// is itself, so Go's case mappings agree with the table generated from
// Python's (gen/viewtable.py checks Python's full mappings and
// normalizations for every code point before it writes the table).
func TestViewTableProperties(t *testing.T) {
	read := func(s string) string { return string(mustView(s)) }
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		cases := []rune{unicode.ToUpper(r), unicode.ToLower(r), unicode.ToTitle(r)}
		if _, listed := slices.BinarySearch(viewRunes[:], r); !listed && cases[0] == r && cases[1] == r && cases[2] == r {
			continue // read as itself, and no case form to compare
		}
		v := read(string(r))
		for _, c := range cases {
			if got := read(string(c)); got != v {
				t.Fatalf("U+%04X reads %q, its case form U+%04X reads %q", r, v, c, got)
			}
		}
		if again := read(v); again != v {
			t.Fatalf("U+%04X reads %q, which reads %q", r, v, again)
		}
	}
	// Hangul syllables are composed by rule, not listed.
	for _, tc := range [][2]string{{"\u1112\u1161\u11ab", "한"}, {"\u1100\u1161", "가"}, {"e\u0301", "é"}, {"a\u0301\u0323", "ạ\u0301"}} {
		assert.Equal(t, tc[1], read(tc[0]), "%q", tc[0])
	}
}

// htmlForms returns secret HTML-escaped the ways servers do it: Go's
// html.EscapeString, Python's html.escape, every character as a decimal or
// hex reference (hex in either case), and a random mix per character of
// raw, decimal, hex and named references.
func htmlForms(r *rand.Rand, secret string) []string {
	python := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;").Replace(secret)
	each := func(format string) string {
		var b strings.Builder
		for _, c := range secret {
			fmt.Fprintf(&b, format, c)
		}
		return b.String()
	}
	named := map[rune]string{'&': "&amp;", '<': "&lt;", '>': "&gt;", '"': "&quot;", 'ß': "&szlig;", 'ä': "&auml;", 'Ä': "&Auml;", 'ö': "&ouml;", 'ü': "&uuml;", 'é': "&eacute;"}
	var mix strings.Builder
	runes := []rune(secret)
	for i, c := range runes {
		format := []string{"%c", "&#%d;", "&#x%x;", "&#X%X;", "&#%d"}[r.IntN(5)]
		if format == "&#%d" && i+1 < len(runes) && (runes[i+1] < utf8.RuneSelf && alnum(byte(runes[i+1])) || runes[i+1] == ';') {
			format = "&#%d;" // "&#52" then "1" is "&#521", for a browser too
		}
		switch n, ok := named[c]; {
		case ok && r.IntN(2) == 0:
			mix.WriteString(n)
		default:
			fmt.Fprintf(&mix, format, c)
		}
	}
	return []string{html.EscapeString(secret), python, each("&#%d;"), each("&#x%x;"), each("&#X%X;"), mix.String()}
}

// doubleForms returns secret in one escape inside another: the percent
// encoding of its \uXXXX JSON form, the \uXXXX JSON form of its percent
// encoding, an HTML reference written in JSON, a percent escape written as
// an HTML reference, and three deep.
func doubleForms(secret string) []string {
	jsonAll := func(s string) string {
		var b strings.Builder
		for _, c := range s {
			if c >= 0x10000 {
				b.WriteString(asciiJSON(string(c)))
				continue
			}
			fmt.Fprintf(&b, `\u%04x`, c)
		}
		return b.String()
	}
	pctAll := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
		return b.String()
	}
	htmlAll := func(s string) string {
		var b strings.Builder
		for _, c := range s {
			fmt.Fprintf(&b, "&#%d;", c)
		}
		return b.String()
	}
	return []string{
		url.QueryEscape(jsonAll(secret)),
		pctAll(jsonAll(secret)),
		jsonAll(pctAll(secret)),
		jsonAll(htmlAll(secret)),
		htmlAll(pctAll(secret)),
		pctAll(url.PathEscape(secret)),
		pctAll(jsonAll(htmlAll(secret))),
	}
}

// echoSecrets hold HTML's special characters, non-ASCII letters and
// characters a URL escapes.
var echoSecrets = append([]string{`p&ss<w>rd"with'quotes-Straße`, "s3cr3t/€uro+é=ü?&#x41;"}, viewSecrets...)

// TestHTMLEscapedEchoes: a credential a server HTML-escaped, in any style,
// whole or a piece of it, leaves no Window-byte run of the echo, and what
// html.UnescapeString reads from the output holds no window of the secret.
func TestHTMLEscapedEchoes(t *testing.T) {
	echoPieces(t, 4, 50, "HTML-escaped", htmlForms, htmlReadsNoWindow(t))
	// Text around a reference is kept, and '&' without one is no escape.
	s := New("abcdefgh", nil)
	assert.Equal(t, "x "+Marker+" &amp; y", s.String("x &#97;b&#X63;defgh &amp; y"))
	assert.Equal(t, "a=b&c=d &unknown; &#; &#xZ;", s.String("a=b&c=d &unknown; &#; &#xZ;"))
}

// htmlReadsNoWindow checks, for echoPieces, that what html.UnescapeString
// reads from the scrubbed echo holds no window of the piece.
func htmlReadsNoWindow(t *testing.T) func(piece, echo string, s *Scrubber) {
	return func(piece, echo string, s *Scrubber) {
		out := s.String("<p>bad " + echo + "</p>")
		d := caseFold(html.UnescapeString(out))
		for _, w := range windows(caseFold(piece), Window) {
			require.NotContains(t, d, w, "%q -> %q", echo, out)
		}
	}
}

// TestDoublyEncodedEchoes: an escape inside an escape, up to three deep, is
// undone as a consumer that decodes again would.
func TestDoublyEncodedEchoes(t *testing.T) {
	forms := func(_ *rand.Rand, piece string) []string { return doubleForms(piece) }
	echoPieces(t, 5, 20, "doubly encoded", forms, func(string, string, *Scrubber) {})
	// Four deep is past decodePasses: not decoded, and not mangled.
	s := New("abcdefgh", nil)
	deep := url.QueryEscape(doubleForms("abcdefgh")[len(doubleForms("abcdefgh"))-1])
	assert.Equal(t, deep, s.String(deep))
}

// echoPieces echoes rounds random pieces of each of echoSecrets in every
// form forms gives, checks each with requireEchoScrubbed and then with more.
func echoPieces(t *testing.T, seed uint64, rounds int, what string, forms func(*rand.Rand, string) []string, more func(piece, echo string, s *Scrubber)) {
	t.Helper()
	r := rand.New(rand.NewPCG(23, seed))
	for _, sec := range echoSecrets {
		s := New("fk_live_0123456789abcdef", map[string]any{"password": sec})
		for range rounds {
			piece := runePiece(t, r, sec)
			for i, echo := range forms(r, piece) {
				requireEchoScrubbed(t, r, s, fmt.Sprintf("%q %s (%d)", piece, what, i), echo)
				more(piece, echo, s)
			}
		}
	}
}

// runePiece returns a piece of s cut on rune boundaries that a consumer
// reads as Window bytes or more of what s reads as: the guarantee is about
// the view, which can be shorter than the text ("&#x41;" reads as "a") and
// in which a piece cut inside an escape of s reads as something s does
// not hold ("&#x4" is U+0004). s itself when it is no longer than Window.
func runePiece(t *testing.T, r *rand.Rand, s string) string {
	t.Helper()
	if len(s) <= Window {
		return s
	}
	whole := string(mustView(s))
	for range 100 {
		from := runeStart(s, r.IntN(len(s)-Window+1))
		p := s[from:runeEnd(s, from+Window+r.IntN(len(s)-from-Window+1))]
		if v := string(mustView(p)); len(v) >= Window && strings.Contains(whole, v) {
			return p
		}
	}
	t.Fatalf("no piece of %q reads as part of it", s)
	return ""
}

// mustView is s as the view reads it, ASCII text included.
func mustView(s string) []byte {
	if v, _, ok := view(s); ok {
		return v
	}
	return []byte(foldString(s))
}

// TestShortViewsFallBackToRawBytes: a secret whose view is much shorter than
// the secret (fullwidth letters, a dotted İ read as i) or made of combining
// marks is still scrubbed raw; a view shorter than MinSecretLen is not a
// secret of its own ("ii" stays), one of MinSecretLen to Window-1 bytes is
// scrubbed where it stands alone, as a short secret is.
func TestShortViewsFallBackToRawBytes(t *testing.T) {
	for _, tc := range []struct{ secret, in, want string }{
		{"ＡＢＣＤ", "key ＡＢＣＤ.", "key " + Marker + "."},
		{"ＡＢＣＤ", "key ABCD.", "key " + Marker + "."},
		{"ＡＢＣＤ", "key xabcd.", "key xabcd."},
		{"İİ", "key İİ ii.", "key " + Marker + " ii."},
		{"\u0301\u0302\u0303\u0304", "x \u0301\u0302\u0303\u0304 y", "x " + Marker + " y"},
		{"e\u0301e\u0301", "key éé, e\u0301e\u0301.", "key " + Marker + ", " + Marker + "."},
		{"ﬃﬃ", "key FFIFFI.", "key " + Marker + "."},
	} {
		s := New(tc.secret, nil)
		require.False(t, s.Empty(), "%q", tc.secret)
		assert.Equal(t, tc.want, s.String(tc.in), "secret %q", tc.secret)
	}
}

// TestCombiningMarksInAnyOrder: marks of different classes on one letter,
// in either order, read the same (canonical order), and a long run of marks
// costs linear time.
func TestCombiningMarksInAnyOrder(t *testing.T) {
	s := New("xa\u0301\u0323bcdefg", nil)
	assert.Equal(t, Marker, s.String("xa\u0323\u0301bcdefg"))
	assert.Equal(t, Marker, s.String("XẠ\u0301BCDEFG"))
	marks := strings.Repeat("\u0301\u0323", 50000)
	assert.Equal(t, "a"+marks, New("zzzzzzzzzz", nil).String("a"+marks))
}

// specialCasing is Python's full case mappings longer than one rune
// (testdata/unicode_echoes.json), by mapping name and rune.
type specialCasing map[string]map[string]string

func loadSpecialCasing(tb testing.TB) specialCasing {
	b, err := os.ReadFile("testdata/unicode_echoes.json")
	require.NoError(tb, err)
	var d struct{ Special specialCasing }
	require.NoError(tb, json.Unmarshal(b, &d))
	return d.Special
}

// fullCase maps every rune of s as Python's str.upper, lower or title does
// one rune (no context: a final sigma lowers to σ, which reads the same).
func (sc specialCasing) fullCase(name string, s string, simple func(rune) rune) string {
	var b strings.Builder
	for _, c := range s {
		if m, ok := sc[name][string(c)]; ok {
			b.WriteString(m)
			continue
		}
		b.WriteRune(simple(c))
	}
	return b.String()
}

// echoTransforms are the forms FuzzScrub echoes a secret in beyond
// encodings: case mapped (Go's simple and Python's full mappings),
// decomposed and case-folded (the view's table without composing, Python's
// casefold of NFKD), composed and folded (the view itself), HTML-escaped and
// doubly encoded.
var echoTransforms = []func(string, specialCasing) string{
	func(s string, sc specialCasing) string { return sc.fullCase("upper", s, unicode.ToUpper) },
	func(s string, sc specialCasing) string { return sc.fullCase("lower", s, unicode.ToLower) },
	func(s string, sc specialCasing) string { return sc.fullCase("title", s, unicode.ToTitle) },
	func(s string, _ specialCasing) string { return strings.ToUpper(s) },
	func(s string, _ specialCasing) string { return decomposedFold(s) },
	func(s string, _ specialCasing) string { return string(mustView(s)) },
	func(s string, _ specialCasing) string { return html.EscapeString(s) },
	func(s string, _ specialCasing) string {
		return htmlForms(rand.New(rand.NewPCG(uint64(len(s)), 1)), s)[5]
	},
	func(s string, _ specialCasing) string { return doubleForms(s)[0] },
	func(s string, _ specialCasing) string { return doubleForms(s)[2] },
}

// decomposedFold reads every rune of s through the view's table (Hangul
// syllables decomposed by rule) without putting marks in order or
// composing them again.
func decomposedFold(s string) string {
	var b strings.Builder
	for _, c := range s {
		if x := c - hangulFirst; 0 <= x && x < hangulCount {
			b.WriteRune(jamoL + x/(21*28))
			b.WriteRune(jamoV + x%(21*28)/28)
			if x%28 != 0 {
				b.WriteRune(jamoT + x%28)
			}
			continue
		}
		if k, ok := slices.BinarySearch(viewRunes[:], c); ok {
			b.WriteString(viewData[viewOff[k]:viewOff[k+1]])
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// fuzzEcho checks a secret echoed whole in another form, set apart from
// prefix and suffix by spaces (so no escape or mark joins across): when
// the echo reads as the secret and that is Window bytes or more, no
// Window-byte run of the echo survives. A secret without escapes of its own
// must read the same in every form.
func fuzzEcho(t *testing.T, s *Scrubber, secret, prefix, suffix, echo string) {
	if !utf8.ValidString(secret) || len(secret) < MinSecretLen {
		return
	}
	want, got := string(mustView(secret)), string(mustView(echo))
	if got != want {
		// HTML reads "&#0;" and "&#128;" as U+FFFD and "€": a control
		// character's reference is not the character.
		if !strings.ContainsAny(secret, `\%&`) && !strings.ContainsFunc(secret, unicode.IsControl) {
			t.Fatalf("echo %q of %q reads %q, the secret %q", echo, secret, got, want)
		}
		return
	}
	in := prefix + " " + echo + " " + suffix
	out := s.String(in)
	if len(want) < Window {
		return
	}
	for _, w := range windows(echo, Window) {
		if leaked(out, w) {
			t.Fatalf("window %q of echo %q of %q survived\nin  %q\nout %q", w, echo, secret, in, out)
		}
	}
}
