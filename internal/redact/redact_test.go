package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodings is the test's own list of the forms a server may echo a secret
// in, written independently of variants so a mistake there is caught here.
func encodings(secret string) []string {
	j, _ := json.Marshal(secret)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(secret)
	noHTML := strings.TrimSuffix(buf.String(), "\n")
	q := strconv.Quote(secret)
	return []string{
		secret,
		string(j[1 : len(j)-1]),
		noHTML[1 : len(noHTML)-1],
		strings.ReplaceAll(noHTML[1:len(noHTML)-1], "/", `\/`), // PHP
		url.QueryEscape(secret),
		url.PathEscape(secret),
		q[1 : len(q)-1],
	}
}

// windows returns every substring of s that is n bytes long.
func windows(s string, n int) []string {
	var out []string
	for i := 0; i+n <= len(s); i++ {
		out = append(out, s[i:i+n])
	}
	return out
}

// leaked reports whether needle occurs in out anywhere but wholly inside a
// Marker, the one place the guarantee allows secret bytes (a secret
// containing "REDACTED" cannot be kept out of "***REDACTED***"). A needle
// shorter than Window, a whole short secret, counts only where it stands
// alone, as tokenAt says.
func leaked(out, needle string) bool {
	for i := 0; i <= len(out); {
		j := strings.Index(out[i:], needle)
		if j < 0 {
			return false
		}
		j += i
		if !insideMarker(out, j, j+len(needle)) && (len(needle) >= Window || tokenAt(out, j, j+len(needle))) {
			return true
		}
		i = j + 1
	}
	return false
}

func insideMarker(out string, from, to int) bool {
	for m := max(0, to-len(Marker)); m <= from; m++ {
		if strings.HasPrefix(out[m:], Marker) {
			return true
		}
	}
	return false
}

// leak returns the first needle the guarantee forbids in out: a Window-byte
// window of any encoding of any secret, or a whole encoding shorter than
// Window. Secrets shorter than MinSecretLen are not secrets.
func leak(out string, secrets ...string) (string, bool) {
	for _, sec := range secrets {
		if len(sec) < MinSecretLen {
			continue
		}
		for _, v := range encodings(sec) {
			needles := windows(v, Window)
			if len(v) < Window {
				needles = []string{v}
			}
			for _, n := range needles {
				if leaked(out, n) {
					return n, true
				}
			}
		}
	}
	return "", false
}

// check asserts the guarantee and the properties every output must have.
func check(t testing.TB, s *Scrubber, text string, secrets ...string) string {
	t.Helper()
	out := s.String(text)
	if n, bad := leak(out, secrets...); bad {
		t.Fatalf("window %q survived\nsecrets %q\nin  %q\nout %q", n, secrets, text, out)
	}
	if utf8.ValidString(text) && !utf8.ValidString(out) {
		t.Fatalf("valid UTF-8 in, invalid out\nin  %q\nout %q", text, out)
	}
	if got := string(s.Bytes([]byte(text))); got != out {
		t.Fatalf("Bytes and String disagree\nin     %q\nString %q\nBytes  %q", text, out, got)
	}
	return out
}

// charset holds every byte a JSON, URL or Go escape changes (DEL, NBSP and
// U+0001 are where Go quoting and JSON differ), and runes that share
// continuation bytes (é C3 A9 and ȩ C8 A9, € E2 82 AC and ₡ E2 82 A1) so
// that matches begin and end inside runes.
var charset = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789&<>\"\\' %+/=?#\téé€ȩ₡\x7f\u00a0\x01")

// randText returns roughly n bytes from charset; multi-byte runes may take
// it a little over n.
func randText(r *rand.Rand, n int, set []rune) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteRune(set[r.IntN(len(set))])
	}
	return b.String()
}

// fragment returns a random piece of v at least Window bytes long (cut on
// any byte, as a snippet limit would), or v whole when it is shorter.
func fragment(r *rand.Rand, v string) string {
	if len(v) <= Window {
		return v
	}
	from := r.IntN(len(v) - Window + 1)
	to := from + Window + r.IntN(len(v)-from-Window+1)
	return v[from:to]
}

// TestWindowProperty: random secrets echoed at random offsets, whole or as
// fragments, in every encoding, leave no window of any encoding behind, and
// valid UTF-8 stays valid. The second charset is made of the Marker's own
// bytes, so secrets match across the Markers that replace them.
func TestWindowProperty(t *testing.T) {
	t.Run("charset", func(t *testing.T) { windowProperty(t, 1, charset) })
	t.Run("marker-bytes", func(t *testing.T) { windowProperty(t, 2, []rune("*REDACT*x€")) })
}

func windowProperty(t *testing.T, seed uint64, set []rune) {
	r := rand.New(rand.NewPCG(seed, 2))
	randText := func(r *rand.Rand, n int) string { return randText(r, n, set) }
	for range 3000 {
		secrets := make([]string, 1+r.IntN(4))
		for i := range secrets {
			secrets[i] = randText(r, 4+r.IntN(61))
		}
		creds := map[string]any{}
		for i, sec := range secrets[1:] {
			switch i {
			case 0:
				creds["token"] = sec
			case 1:
				creds["nested"] = map[string]any{"secret": sec}
			case 2:
				creds["list"] = []any{true, sec}
			}
		}
		s := New(secrets[0], creds)
		var text strings.Builder
		text.WriteString(randText(r, r.IntN(20)))
		for range 1 + r.IntN(3) {
			enc := encodings(secrets[r.IntN(len(secrets))])
			v := enc[r.IntN(len(enc))]
			if r.IntN(2) == 0 {
				v = fragment(r, v)
			}
			text.WriteString(v)
			text.WriteString(randText(r, r.IntN(12)))
		}
		check(t, s, text.String(), secrets...)
	}
}

// TestNoFalsePositives: text that shares fewer than Window consecutive bytes
// with every encoding of every secret comes back byte for byte, even when it
// is made of nothing but pieces of those secrets.
func TestNoFalsePositives(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	// None of these is in charset or in any escape of it, so every window
	// that touches one can match no secret.
	const filler = "~!_|;"
	for range 1000 {
		apiKey, cred := randText(r, 16+r.IntN(48), charset), randText(r, 16+r.IntN(48), charset)
		s := New(apiKey, map[string]any{"type": "bearer", "token": cred})
		var text strings.Builder
		for range 1 + r.IntN(8) {
			enc := encodings([]string{apiKey, cred}[r.IntN(2)])
			v := enc[r.IntN(len(enc))]
			from := r.IntN(len(v) - 1)
			text.WriteString(v[from:min(len(v), from+1+r.IntN(Window-1))])
			text.WriteByte(filler[r.IntN(len(filler))])
		}
		in := text.String()
		require.Equal(t, in, s.String(in))
		b := []byte(in)
		out := s.Bytes(b)
		require.Same(t, &b[0], &out[0], "Bytes must return its input when nothing matched")
	}

	prose := "The server said: invalid bearer token for oauth2 connector (type basic), see https://docs.example.com/errors?code=401#auth"
	s := New("fk_live_9f8e7d6c5b4a3210", map[string]any{"type": "oauth2", "accessToken": "ya29.a0AfH6SMBx3", "refreshToken": "1//0gLq-refresh"})
	assert.Equal(t, prose, s.String(prose))

	var nilS *Scrubber
	for _, sc := range []*Scrubber{nilS, {}, New("", nil), New("abc", map[string]any{"x": "ab", "y": true, "z": nil})} {
		assert.True(t, sc.Empty())
		assert.Equal(t, prose, sc.String(prose))
		b := []byte(prose)
		assert.Same(t, &b[0], &sc.Bytes(b)[0])
		m := map[string]any{"a": "b"}
		assert.Equal(t, fmt.Sprintf("%p", m), fmt.Sprintf("%p", sc.Value(m)), "an empty Scrubber returns v itself")
	}
}

// TestShortSecrets: secrets of MinSecretLen..Window-1 bytes are replaced
// whole but their fragments are left alone; shorter values are not secrets.
func TestShortSecrets(t *testing.T) {
	s := New("abcd", map[string]any{"pin": "1234567", "tiny": "xyz", "quoted": `a"b`, "db": "main"})
	assert.Equal(t, "k=***REDACTED*** p=***REDACTED*** xyz abc 123456 a\"b",
		s.String("k=abcd p=1234567 xyz abc 123456 a\"b"))
	// Only where they stand alone: not inside a longer word or number.
	assert.Equal(t, "X-Ratelimit-Remaining abcde 12345678 ***REDACTED***, (***REDACTED***)",
		s.String("X-Ratelimit-Remaining abcde 12345678 main, (MAIN)"))
	// Its JSON form is Window bytes or more, so it is matched by windows.
	s = New("a&b<c", nil)
	assert.Equal(t, `{"k":"***REDACTED***"}`, s.String(`{"k":"a\u0026b\u003cc"}`))
	assert.Equal(t, `{"k":"***REDACTED***"}`, s.String(`{"k":"a&b<c"}`))
	assert.False(t, New("abcd", nil).Empty())
	assert.True(t, New("abc", nil).Empty())
}

// TestNumericLeaves: numbers in the credentials are secrets as encoding/json
// writes them, in text and in Value.
func TestNumericLeaves(t *testing.T) {
	for _, pin := range []any{12345678.0, 12345678, int64(12345678), uint32(12345678), json.Number("12345678"), float32(12345678)} {
		s := New("", sent(t, map[string]any{"pin": pin}))
		require.False(t, s.Empty(), "%T", pin)
		assert.Equal(t, "pin ***REDACTED*** ok", s.String("pin 12345678 ok"), "%T", pin)
		assert.Equal(t, `{"pin":***REDACTED***}`, s.String(`{"pin":12345678}`), "%T", pin)
		got := s.Value(map[string]any{"a": 12345678.0, "b": json.Number("12345678"), "c": 42.0, "d": 12345679})
		assert.Equal(t, map[string]any{"a": Marker, "b": Marker, "c": 42.0, "d": 12345679}, got, "%T", pin)
	}
	s := New("", map[string]any{"big": 1.5e21, "small": 1e-7, "flag": true, "none": nil})
	assert.Equal(t, "***REDACTED*** ***REDACTED*** true", s.String("1.5e+21 1e-7 true"))
	assert.Equal(t, Marker, s.Value(1.5e21))
}

// sent is v as New receives credentials: encoded as the request sends them,
// then decoded with UseNumber (Credentials.tree in the root package).
func sent(t testing.TB, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	require.NoError(t, d.Decode(&m))
	return m
}

// TestCredentialShapes: leaves are found in what named and nested map and
// slice types encode to, a []byte counts as the base64 encoding/json sends,
// and a value that contains itself does not hang New.
func TestCredentialShapes(t *testing.T) {
	type creds map[string]any
	type port int
	cyclic := map[string]any{"cyc": "cyclic-secret"}
	cyclic["self"] = cyclic
	list := []any{"list-secret", nil}
	list[1] = list
	m := sent(t, map[string]any{
		"named": creds{"k": "named-secret"},
		"maps":  []map[string]any{{"k": "maps-secret"}},
		"ptr":   &[]string{"pointed-secret"},
		"bytes": []byte("raw-bytes"),
		"port":  port(12345678),
	})
	// JSON cannot hold a cycle, but New's caller can build one.
	m["cyclic"], m["list"] = cyclic, list
	s := New("", m)
	in := "named-secret maps-secret pointed-secret cmF3LWJ5dGVz 12345678 cyclic-secret list-secret"
	assert.Equal(t, strings.TrimSpace(strings.Repeat(Marker+" ", 7)), s.String(in))
}

// TestTypeException: a "type" naming an auth scheme is no secret, at any
// depth; any other "type" value is.
func TestTypeException(t *testing.T) {
	s := New("", sent(t, map[string]any{
		"type":   "bearer",
		"nested": map[string]any{"type": "s3cr3t-type-value", "inner": map[string]string{"type": "OAuth2"}},
		"other":  map[string]any{"kind": "basic"},
	}))
	assert.Equal(t, "bearer oauth2 OAuth2 ***REDACTED*** api_key token ***REDACTED***",
		s.String("bearer oauth2 OAuth2 s3cr3t-type-value api_key token basic"))
}

// TestValue: Value deep-copies, scrubs keys and nested values and leaves its
// input untouched.
func TestValue(t *testing.T) {
	s := New("fk_live_key_123", map[string]any{"token": "tok_abcdef"})
	in := map[string]any{
		"fk_live_key_123": "k",
		"m":               "tok_abcdef!",
		"l":               []any{"x fk_live_key_123", map[string]any{"deep": "tok_abcdef"}},
		"ss":              []any{"tok_abcdef"},
		"ms":              map[string]any{"tok_abcdef": "v"},
		"n":               1.0,
		"b":               true,
		"nil":             nil,
		"nilmap":          map[string]any(nil),
	}
	before := fmt.Sprintf("%#v", in)
	got := s.Value(in)
	assert.Equal(t, map[string]any{
		Marker:   "k",
		"m":      Marker + "!",
		"l":      []any{"x " + Marker, map[string]any{"deep": Marker}},
		"ss":     []any{Marker},
		"ms":     map[string]any{Marker: "v"},
		"n":      1.0,
		"b":      true,
		"nil":    nil,
		"nilmap": map[string]any(nil),
	}, got)
	assert.Equal(t, before, fmt.Sprintf("%#v", in), "input modified")
	// Value is for decoded JSON: a Go type JSON does not decode to is
	// returned as it is.
	assert.Equal(t, []string{"tok_abcdef"}, s.Value([]string{"tok_abcdef"}))
	got.(map[string]any)["l"].([]any)[0] = "changed"
	assert.Equal(t, "x fk_live_key_123", in["l"].([]any)[0], "output shares a slice with input")
}

// TestMarkerNeighbours: secrets made of Marker bytes cannot survive next to
// the Markers that replace them, however the server repeats them, and the
// work stays linear.
func TestMarkerNeighbours(t *testing.T) {
	for _, tc := range []struct{ secret, text string }{
		{"**abcdef", "**abcdef" + strings.Repeat("abcdef", 500)},
		{"abcdef**", strings.Repeat("abcdef", 500) + "abcdef**"},
		{"REDACTED", "x REDACTED y ***REDACTED*** z"},
		{"D***", "xD***D***yD***"},
		{"***€€x", "€€x***€€x***€€x"},
		{"ED***ab**", "ab**ED***ab**ab**ab"},
	} {
		s := New(tc.secret, nil)
		check(t, s, tc.text, tc.secret)
	}
	s := New("**abcdef", nil)
	assert.Equal(t, Marker, s.String("**abcdef"+strings.Repeat("abcdef", 500)))
	// The Marker's "***" and the first two bytes of ₡ match "***€\xe2\x82":
	// the cut lands inside ₡, which goes whole.
	s = New("D***€€x", nil)
	assert.Equal(t, Marker+"z", check(t, s, "D***€€x€₡z", "D***€€x"))
	// ガ (E3 82 AC) ends like €: "\x82\xac***RED" matches from inside it.
	s = New("x€***RED", nil)
	assert.Equal(t, Marker, check(t, s, "ガx€***RED", "x€***RED"))
}

// TestExample pins the output format on a realistic message.
func TestExample(t *testing.T) {
	s := New("fk_live_key_123", map[string]any{
		"type":   "oauth2",
		"token":  "tok_abcdef",
		"nested": map[string]any{"secret": "nested_secret"},
		"list":   []any{"list_secret", 42},
		"short":  "abc",
	})
	assert.Equal(t,
		`key ***REDACTED*** half ***REDACTED*** json "***REDACTED***" cut ***REDACTED***, abc oauth2`,
		s.String(`key fk_live_key_123 half _live_key json "tok_abcdef" cut nested_secr, abc oauth2`))
	assert.Equal(t, "é***REDACTED***€", s.String("é"+"fk_live_key_123"+"€"))
}

// TestRuneBoundaries: a match that starts or ends inside a rune takes the
// whole rune, so valid UTF-8 stays valid.
func TestRuneBoundaries(t *testing.T) {
	s := New("é1234567€", nil)
	// ȩ ends in the same byte as é, ₡ starts with the same two as €.
	assert.Equal(t, "a***REDACTED***b", s.String("aȩ1234567₡b"))
	assert.Equal(t, "a***REDACTED***b", s.String("aé1234567€b"))
}

// TestNoMatchAllocs: the common case, an error that echoes no secret, costs
// no allocation.
func TestNoMatchAllocs(t *testing.T) {
	s := benchScrubber()
	text := benchText()
	b := []byte(text)
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = s.String(text) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = s.Bytes(b) }))
	var nilS *Scrubber
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = nilS.String(text) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = s.String("ab") }))
	// An '&' that starts no character reference keeps the fast path.
	query := "GET /v1/configurations?limit=10&cursor=abc&x=y;z & more " + text
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = s.String(query) }))
}

func FuzzScrub(f *testing.F) {
	f.Add("fk_live_abcdef0123456789", "error: ", " was rejected", uint8(0), uint8(0), uint8(255))
	f.Add(`p&ss<w>rd"with\quotes`, `{"detail":"`, `"}`, uint8(1), uint8(3), uint8(4))
	f.Add("s3cr3t €uro é", "GET /x?token=", "&a=b", uint8(3), uint8(2), uint8(9))
	f.Add("abcd", "", "", uint8(5), uint8(0), uint8(0))
	f.Add("**REDACTED**", "***", "***", uint8(0), uint8(1), uint8(2))
	f.Add("line\nbreak\ttab\u2028sep", `msg "`, `"`, uint8(5), uint8(7), uint8(1))
	f.Add("ᾶᾳ-ﬁ-և-ŉ-ǰ-İstanbul", "msg ", "", uint8(10), uint8(0), uint8(0))
	f.Add("Crème-brûlée-café-비밀번호-Ｆｕｌｌ", "", " end", uint8(14), uint8(0), uint8(0))
	f.Add(`p&ss<w>rd"it's-Straße`, "<p>", "</p>", uint8(18), uint8(0), uint8(0))
	special := loadSpecialCasing(f)
	f.Fuzz(func(t *testing.T, secret, prefix, suffix string, enc, cutStart, cutLen uint8) {
		s := New(secret, map[string]any{"copy": secret, "type": "bearer"})
		encs := encodings(secret)
		if k := int(enc) % (len(encs) + len(echoTransforms)); k >= len(encs) {
			fuzzEcho(t, s, secret, prefix, suffix, echoTransforms[k-len(encs)](secret, special))
			return
		}
		piece := encs[int(enc)%len(encs)]
		if len(piece) > Window && cutLen != 255 {
			from := int(cutStart) % (len(piece) - Window + 1)
			piece = piece[from : from+Window+int(cutLen)%(len(piece)-from-Window+1)]
		}
		text := prefix + piece + suffix
		out := check(t, s, text, secret)
		if len(secret) < MinSecretLen && out != text {
			t.Fatalf("short secret %q changed %q to %q", secret, text, out)
		}
	})
}

func benchScrubber() *Scrubber {
	return New("fk_live_9f8e7d6c5b4a32109f8e7d6c", map[string]any{
		"type":         "oauth2",
		"accessToken":  "ya29.a0AfH6SMBx3kZ_example_access",
		"refreshToken": "1//0gLq-refresh-token-value",
		"clientSecret": "GOCSPX-client-secret-xyz",
	})
}

func benchText() string {
	r := rand.New(rand.NewPCG(5, 6))
	words := strings.Fields("the request failed because the connector could not reach the upstream service please retry later or contact support with trace id")
	var b strings.Builder
	for b.Len() < 1024 {
		b.WriteString(words[r.IntN(len(words))])
		b.WriteByte(' ')
	}
	return b.String()[:1024]
}

func BenchmarkScrubNoMatch(b *testing.B) {
	s, text := benchScrubber(), benchText()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		_ = s.String(text)
	}
}

// BenchmarkScrubDecodedView: 1 KiB of non-ASCII text with JSON, percent
// and HTML escapes and no secret, which the view reads.
func BenchmarkScrubDecodedView(b *testing.B) {
	s := benchScrubber()
	r := rand.New(rand.NewPCG(5, 7))
	words := strings.Fields(`die Anfrage für café Straße schlug fehl \u00e9t\u00e9 %C3%A9t%C3%A9 &amp; &lt;b&gt; &#233; 비밀 ΑΙ naïve`)
	var sb strings.Builder
	for sb.Len() < 1024 {
		sb.WriteString(words[r.IntN(len(words))])
		sb.WriteByte(' ')
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		_ = s.String(text)
	}
}

func BenchmarkScrubMatch(b *testing.B) {
	s, text := benchScrubber(), benchText()
	text = text[:500] + "ya29.a0AfH6SMBx3kZ_example_access" + text[500:]
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		_ = s.String(text)
	}
}

// TestEchoesInOtherSpellings: Python's ASCII-only JSON (\uXXXX for every
// non-ASCII character, hex in either case) and echoes whose ASCII case
// changed on the way (a canonicalized header name) are scrubbed too.
func TestEchoesInOtherSpellings(t *testing.T) {
	s := New("sk_live_APIKEY_0123456789abcdef", map[string]any{"password": "пароль-секрет-2024", "emoji": "key😀with\nnewline"})
	for _, echo := range []string{
		`{"detail":"bad password \u043f\u0430\u0440\u043e\u043b\u044c-\u0441\u0435\u043a\u0440\u0435\u0442-2024"}`,
		`{"detail":"bad password \u043F\u0430\u0440\u043E\u043B\u044C-\u0441\u0435\u043A\u0440\u0435\u0442-2024"}`,
		`"key\ud83d\ude00with\nnewline"`,
		"X-Echo-Sk_live_apikey_0123456789abcdef",
		"sk-live-apikey 0123456789ABCDEF",
	} {
		out := s.String(echo)
		for _, w := range []string{"u043f\\u0430", "u043F\\u0430", "Sk_live_", "apikey_0", "0123456789", "456789ABCDEF", "ud83d\\ude00w"} {
			assert.NotContains(t, out, w, "%q -> %q", echo, out)
		}
	}
	assert.Equal(t, "X-Echo-***REDACTED***", s.String("X-Echo-Sk_live_apikey_0123456789abcdef"))
}

// TestWhatIsNotASecret: descriptive fields (grant and token types, scopes,
// expiry times) and the scheme and host of a URL are not secrets; the rest of
// a URL, and PHP's "\/" escapes of any secret, are.
func TestWhatIsNotASecret(t *testing.T) {
	s := New("", map[string]any{
		"grant_type": "client_credentials", "token_type": "Bearer", "scope": "repo read:org", "expires_in": 3600,
		"expiresAt": "2026-11-25T19:00:00Z", "Expires-At": "2026-11-25T19:00:00Z",
		"auth_uri": "https://accounts.example.com/o/oauth2/auth",
		"webhook":  "https://hooks.example.com/services/T000/B000/XXXXSECRETPATH",
		"dsn":      "postgres://admin:hunter2pass@db.example.com:5432/app",
		"pin":      "Zx9/Qw8/Lm7/Rt6/Yu5",
	})
	kept := `400 invalid_credentials: retry_after 3600, reset_at 2026-11-25T19:00:00Z, see https://accounts.example.com and the repository; Bearer`
	assert.Equal(t, kept, s.String(kept))
	for echo, want := range map[string]string{
		"sent https://hooks.example.com/services/T000/B000/XXXXSECRETPATH":     "sent https://hooks.example.com***REDACTED***",
		"dsn postgres://admin:hunter2pass@db.example.com:5432/app":             "dsn postgres://***REDACTED***@db.example.com:5432/app", // "/app" is short and not alone
		`{"error":"bad pin Zx9\/Qw8\/Lm7\/Rt6\/Yu5"}`:                          `{"error":"bad pin ***REDACTED***"}`,
		`{"error":"auth uri https:\/\/accounts.example.com\/o\/oauth2\/auth"}`: `{"error":"auth uri https:\/\/accounts.example.com***REDACTED***"}`,
	} {
		assert.Equal(t, want, s.String(echo), echo)
	}
}

// TestLongSecretsAreIndexedOnTheirStart: past 64 KiB a value is indexed on
// its first 64 KiB, which bounds the cost of a huge credential.
func TestLongSecretsAreIndexedOnTheirStart(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	huge := randText(r, 100<<10, []rune("abcdefghijklmnopqrstuvwxyz0123456789"))
	s := New("", map[string]any{"key": huge})
	assert.Equal(t, "x "+Marker+" y", s.String("x "+huge[1000:1100]+" y"), "a piece from the start")
	tail := huge[len(huge)-100:]
	assert.Equal(t, "x "+tail+" y", s.String("x "+tail+" y"), "a piece past 64 KiB is not indexed")
}

// tokenAt reports whether t[from:to] stands alone: no ASCII letter or digit
// right before or after it. A short secret ("main", "admin", a 5-digit PIN)
// is matched only so, or it would be cut out of "remaining" and
// "Administrator" in every message.
func tokenAt(t string, from, to int) bool {
	return (from == 0 || !alnum(t[from-1])) && (to >= len(t) || !alnum(t[to]))
}

func TestJSONCredentialValuesSeesEveryDuplicate(t *testing.T) {
	raw := []byte(`{"credentials":{"token":"first-secret-1"},"a":[{"Credentials":{"k":"second-secret-2","k":"third-secret-3"}}],` +
		`"credentialſ":"fourth-secret-4","credential\u017f":{"type":"bearer","x":5555555555}}`)
	s := New("", map[string]any{"body": JSONCredentialValues(raw)})
	for _, secret := range []string{"first-secret-1", "second-secret-2", "third-secret-3", "fourth-secret-4", "5555555555"} {
		assert.Equal(t, Marker, s.String(secret), secret)
	}
	assert.Equal(t, "bearer", s.String("bearer"), "a scheme name is not a secret")
	assert.Nil(t, JSONCredentialValues([]byte(`{"credentials":`)), "nothing read of the value")
	// Not valid JSON: what was read before the error was sent all the same.
	cut := New("", map[string]any{"body": JSONCredentialValues([]byte(`{"credentials":{"token":"cut-secret-1","b":"cut-secret-2",}}`))})
	assert.Equal(t, Marker+" "+Marker, cut.String("cut-secret-1 cut-secret-2"))
	// Cut inside the value's string, which the decoder cannot return in
	// part: what is left of it.
	for _, raw := range []string{`{"credentials":"cut-secret-3`, `{"credentials":{"token":"cut-secret-3`, `[{"credentials":["cut-secret-3`,
		`{"credentials":"cut-secret-3\q","success":"other-value"}`} {
		cutStr := New("", map[string]any{"body": JSONCredentialValues([]byte(raw))})
		assert.Equal(t, Marker, cutStr.String("cut-secret-3"), raw)
		// Only the string that failed: the text after it is not the
		// credential's.
		assert.Equal(t, "success other-value", cutStr.String("success other-value"), raw)
	}
	assert.Nil(t, JSONCredentialValues([]byte(`{"name":"x"}`)))
}

func TestJSONCredentialsFoldsLongS(t *testing.T) {
	// encoding/json reads "credentialſ" (U+017F) into a credentials field.
	var v struct {
		C string `json:"credentials"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"credentialſ":"x"}`), &v))
	require.Equal(t, "x", v.C)
	out := JSONCredentials([]byte(`{"credentialſ":"leaked-secret"}`))
	assert.NotContains(t, string(out), "leaked-secret")
}
