package redact

import (
	"fmt"
	"html"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// paddedForms returns secret with every character as a numeric reference
// of more than 8 digits, as html.UnescapeString and Python's html.unescape
// read them: zero-padded decimal ("&#000000102;") and hex, a random number
// of zeros per character (up to 40, the semicolon dropped where the next
// character cannot extend the number), and the decimal value plus 2^32,
// which Go's html reads wrapped; and with the legacy named references html
// reads without a semicolon ("&amp", "&lt", "&auml").
func paddedForms(r *rand.Rand, secret string) []string {
	each := func(format string, add int64) string {
		var b strings.Builder
		for _, c := range secret {
			fmt.Fprintf(&b, format, int64(c)+add)
		}
		return b.String()
	}
	var random, legacy strings.Builder
	runes := []rune(secret)
	for i, c := range runes {
		semi := ";"
		if r.IntN(2) == 0 && (i+1 == len(runes) || runes[i+1] == '&') {
			semi = ""
		}
		fmt.Fprintf(&random, []string{"&#%s%d%s", "&#x%s%x%s", "&#X%s%X%s"}[r.IntN(3)], strings.Repeat("0", r.IntN(41)), c, semi)
		if n, ok := map[rune]string{'&': "&amp", '<': "&lt", '>': "&gt", '"': "&quot", 'ß': "&szlig", 'ä': "&auml", 'ü': "&uuml", 'é': "&eacute", '€': "&euro;"}[c]; ok {
			legacy.WriteString(n)
			continue
		}
		legacy.WriteRune(c)
	}
	return []string{each("&#%09d;", 0), each("&#x%010x;", 0), each("&#X%012X", 0), random.String(), each("&#%d;", 1<<32), legacy.String()}
}

// TestLongAndLegacyReferences: a credential written as numeric references
// of any length (leading zeros, a value that wraps) or with the legacy
// named references html reads without ";", whole or a piece of it, leaves
// no Window-byte run of the echo, and what html.UnescapeString reads from
// the output holds no window of the secret.
func TestLongAndLegacyReferences(t *testing.T) {
	echoPieces(t, 6, 30, "long or legacy reference", paddedForms, htmlReadsNoWindow(t))
	// The probe's key, each character as &#%09d;.
	key := "fk_live_ProbeKey_0123456789"
	s := New(key, nil)
	var b strings.Builder
	for _, c := range key {
		fmt.Fprintf(&b, "&#%09d;", c)
	}
	assert.Equal(t, "key "+Marker+" end", s.String("key "+b.String()+" end"))
}

// TestReferencesReadAsHTMLReadsThem: the view reads every numeric and
// legacy reference exactly as html.UnescapeString does: overflow, zero,
// surrogates, Windows-1252, hex in either case, with and without ";".
func TestReferencesReadAsHTMLReadsThem(t *testing.T) {
	for _, ref := range []string{
		"&#0;", "&#000000000000000000000;", "&#x0000000066;", "&#000000102", "&#1114111;", "&#1114112;", "&#x110000;",
		"&#xD800;", "&#57343;", "&#128;", "&#x9F;", "&#0000000000159;", "&#4294967398;", "&#x100000066;",
		"&#99999999999999999999;", "&#xFFFFFFFFFFFF;", "&#2147483648;", "&#x80000066;", "&#65;", "&#x41",
		"&amp", "&AMP", "&ampx", "&copyright", "&lt3", "&notit;", "&not", "&frac12x", "&frac1", "&yumlz", "&ETH",
	} {
		for _, text := range []string{ref, "a" + ref + "b", ref + "&#65;"} {
			v, _, ok := view(text)
			if !ok {
				v = []byte(foldString(text))
			}
			want, _, _ := view(html.UnescapeString(text))
			if want == nil {
				want = []byte(foldString(html.UnescapeString(text)))
			}
			assert.Equal(t, string(want), string(v), "%q (html reads %q)", text, html.UnescapeString(text))
		}
	}
	for name := range legacyRefs {
		assert.NotEqual(t, "&"+name, html.UnescapeString("&"+name), "html reads %q without ';'", name)
		assert.LessOrEqual(t, len(name), longestLegacyRef)
	}
}
