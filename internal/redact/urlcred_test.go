package redact

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSecretsThatParseAsURLs: a credential value that only parses as a URL
// (a password "hunter2://correct-horse-battery-staple", a scheme no service
// is configured with, or a host that is neither an IP address, nor has a
// port, nor is a dotted DNS name) is a secret whole: echoed whole or as a
// piece, at a random offset, in every encoding, it leaves no window. A URL
// a service is configured with keeps its scheme and host (TestWhatIsNotASecret).
func TestSecretsThatParseAsURLs(t *testing.T) {
	fixed := []string{
		"hunter2://correct-horse-battery-staple",
		"https://correct-horse-battery-staple",
		"HTTPS://hunter2@localhost",
		"mysql://pass-word-12345/x",
		"https://s3cr3t.42",
		"a+b.c-d://x.y@z_q.example.com",
	}
	r := rand.New(rand.NewPCG(6, 23))
	word := func(n int) string { return randText(r, n, []rune("abcdefghijklmnopqrstuvwxyz0123456789-")) }
	secrets := fixed
	for range 200 {
		scheme := []string{"x" + word(1+r.IntN(10)), "https", "postgres", "hunter" + word(2)}[r.IntN(4)]
		host := word(4 + r.IntN(30)) // no dot, no port
		tail := []string{"", "/" + word(r.IntN(10)), "?" + word(r.IntN(10))}[r.IntN(3)]
		user := []string{"", word(5) + ":" + word(8) + "@"}[r.IntN(2)]
		secrets = append(secrets, scheme+"://"+user+host+tail)
	}
	for _, sec := range secrets {
		s := New("", map[string]any{"password": sec})
		for _, enc := range encodings(sec) {
			for range 3 {
				v := enc
				if r.IntN(2) == 0 {
					v = fragment(r, v)
				}
				check(t, s, word(r.IntN(20))+" "+v+" "+word(r.IntN(20)), sec)
			}
		}
		msg := `{"error":"invalid password: ` + sec + `"}`
		assert.NotContains(t, strings.ToLower(s.String(msg)), strings.ToLower(sec[:Window]), "the scheme and host of %q are secret", sec)
	}
}
