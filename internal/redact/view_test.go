package redact

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// viewSecrets: an ASCII key and a credential with upper- and lower-case
// non-ASCII letters (ß has no one-rune upper case), a quote and a backslash.
var viewSecrets = []string{"fk_live_SeCrEtKeY0123456789abcdefXYZ", `pässwörter-geheim-ÄÖÜ-straße"\x`}

// caseFold is the test's own fold: what a consumer comparing in any case
// sees (strings.EqualFold's notion).
func caseFold(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }, s)
}

// requireNoDecodedWindow fails when decoded, the text a consumer gets from
// the scrubbed output, holds any Window-byte run of any case form of a
// secret.
func requireNoDecodedWindow(t *testing.T, in, out, decoded string) {
	t.Helper()
	d := caseFold(decoded)
	for _, sec := range viewSecrets {
		for _, w := range windows(caseFold(sec), Window) {
			if strings.Contains(d, w) {
				t.Fatalf("window %q of %q decodes from the output\nin  %q\nout %q\ndecoded %q", w, sec, in, out, decoded)
			}
		}
	}
}

// mixCase returns s with each rune in a random one of its case forms.
func mixCase(r *rand.Rand, s string) string {
	return strings.Map(func(c rune) rune {
		return []func(rune) rune{unicode.ToUpper, unicode.ToLower, unicode.ToTitle, func(c rune) rune { return c }}[r.IntN(4)](c)
	}, s)
}

// TestAnyJSONEscapeMix: a secret whose characters a server JSON-escapes in
// any mix (\uXXXX in either hex case, for ASCII too, or the short escapes),
// in any letter case, leaves nothing a JSON decoder turns back into a
// window of it.
func TestAnyJSONEscapeMix(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	s := New(viewSecrets[0], map[string]any{"password": viewSecrets[1]})
	for range 2000 {
		sec := viewSecrets[r.IntN(len(viewSecrets))]
		if r.IntN(2) == 0 {
			sec = mixCase(r, sec)
		}
		var b strings.Builder
		for _, c := range sec {
			switch {
			case r.IntN(2) == 0:
				format := `\u%04x`
				if r.IntN(2) == 0 {
					format = `\u%04X`
				}
				if c >= 0x10000 {
					continue
				}
				fmt.Fprintf(&b, format, c)
			case c == '"' || c == '\\':
				b.WriteString(`\` + string(c))
			default:
				b.WriteRune(c)
			}
		}
		in := `{"message":"bad value ` + b.String() + `"}`
		out := s.String(in)
		var got struct{ Message string }
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("scrubbed JSON no longer decodes: %v\n%q", err, out)
		}
		requireNoDecodedWindow(t, in, out, got.Message)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out: %q", out)
		}
	}
}

// TestAnyPercentEscapeMix: a secret whose bytes a URL holds percent-encoded
// in any mix (either hex case) leaves nothing a URL decoder turns back into
// a window of it.
func TestAnyPercentEscapeMix(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	s := New(viewSecrets[0], map[string]any{"password": viewSecrets[1]})
	for range 2000 {
		sec := viewSecrets[r.IntN(len(viewSecrets))]
		var b strings.Builder
		for i := 0; i < len(sec); i++ {
			c := sec[i]
			switch {
			case r.IntN(2) == 0 || c >= utf8.RuneSelf || strings.IndexByte(`"\%`, c) >= 0:
				format := "%%%02x"
				if r.IntN(2) == 0 {
					format = "%%%02X"
				}
				fmt.Fprintf(&b, format, c)
			default:
				b.WriteByte(c)
			}
		}
		in := "refused to follow a redirect to https://login.example/keys/" + b.String() + ": the API key is only sent to api.example"
		out := s.String(in)
		dec, err := url.PathUnescape(strings.TrimPrefix(out, "refused to follow a redirect to https://login.example/keys/"))
		if err != nil {
			t.Fatalf("%v: %q", err, out)
		}
		requireNoDecodedWindow(t, in, out, dec)
	}
}

// TestAnyLetterCase: every Window-byte run of a secret's ToUpper, ToLower,
// ToTitle and mixed-case forms is gone, raw or in Python's ASCII-only JSON.
func TestAnyLetterCase(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	s := New(viewSecrets[0], map[string]any{"password": viewSecrets[1]})
	for _, sec := range viewSecrets {
		forms := []string{strings.ToUpper(sec), strings.ToLower(sec), strings.ToTitle(sec)}
		for range 50 {
			forms = append(forms, mixCase(r, sec))
		}
		for _, f := range forms {
			for _, in := range []string{"echo " + f + " end", `{"m":"` + asciiJSON(f) + `"}`} {
				out := s.String(in)
				for _, enc := range []string{f, asciiJSON(f)} {
					for _, w := range windows(enc, Window) {
						if leaked(out, w) {
							t.Fatalf("window %q of %q survived\nin  %q\nout %q", w, f, in, out)
						}
					}
				}
			}
		}
	}
}

// TestViewMarksWholeEscapes: a match in the view replaces the escapes it
// was read from whole, and text around it is kept.
func TestViewMarksWholeEscapes(t *testing.T) {
	s := New("abcdefgh", nil)
	if got := s.String(`x \u0061\u0062CD%65%66gh y`); got != "x "+Marker+" y" {
		t.Fatalf("got %q", got)
	}
	if got := s.String(`plain 100% \n ünïcödé text`); got != `plain 100% \n ünïcödé text` {
		t.Fatalf("clean text changed: %q", got)
	}
}

// A credential upper-cased the way Python, JavaScript and Java do it ("ß"
// becomes "SS", "ﬁ" becomes "FI"), or lower-cased after that, leaves no
// 8-byte window of the echo: its view reads as the secret's.
func TestLengthChangingCaseMapping(t *testing.T) {
	const secret = "große-straße-maße-ﬁnal"
	s := New("fk_test_0123456789abcdef", map[string]any{"password": secret})
	for _, echo := range []string{"GROSSE-STRASSE-MASSE-FINAL", "grosse-strasse-masse-final", "Grosse-Straße-MASSE-ﬁnal", "GROẞE-STRAẞE-MAẞE-FINAL"} {
		out := strings.ToLower(s.String("bad password " + echo + "."))
		low := strings.ToLower(echo)
		for i := 0; i+8 <= len(low); i++ {
			if strings.Contains(out, low[i:i+8]) {
				t.Fatalf("echo %q: window %q left in %q", echo, low[i:i+8], out)
			}
		}
	}
}
