package freddy

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// foldVariants returns name with each letter, one at a time and all at
// once, replaced by every other rune of its Unicode case-folding orbit
// ("credentialſ" with U+017F for s), raw and \u-escaped.
func foldVariants(name string) []string {
	var out []string
	all := []rune(name)
	for i, r := range []rune(name) {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			v := []rune(name)
			v[i] = f
			out = append(out, string(v))
			if f >= 0x80 {
				all[i] = f
				q := strconv.QuoteToASCII(string(f))
				out = append(out, string(v[:i])+q[1:len(q)-1]+string(v[i+1:]))
			}
		}
	}
	return append(out, string(all))
}

// RawJSON redacts every member encoding/json (and so the SDK's decoder)
// reads as credentials, Unicode case folding included, of a configuration,
// a page and a test result.
func TestRawJSONRedactsEveryNameTheDecoderReadsAsCredentials(t *testing.T) {
	variants := foldVariants("credentials")
	require.Contains(t, variants, "credentialſ")
	for _, name := range variants {
		member := strconv.Quote(name)
		if strings.Contains(name, `\u`) {
			member = `"` + name + `"`
		}
		// The decoder's own view: encoding/json reads this member as
		// credentials.
		var probe struct {
			C json.RawMessage `json:"credentials"`
		}
		require.NoError(t, json.Unmarshal([]byte(`{`+member+`:1}`), &probe))
		require.NotNil(t, probe.C, "encoding/json does not match %q; the variant list is wrong", name)

		obj := `{"id":"pconf_1",` + member + `:{"token":"` + testCredential + `"}}`
		c, derr := decodeConfiguration([]byte(obj))
		require.Nil(t, derr)
		require.NotContains(t, string(c.RawJSON()), testCredential, "configuration, member %s", member)

		p, derr := decodeList([]byte(`{"object":"list","data":[`+obj+`]}`), 20)
		require.Nil(t, derr)
		require.NotContains(t, string(p.RawJSON()), testCredential, "page, member %s", member)
		require.NotContains(t, string(p.Data[0].RawJSON()), testCredential, "page item, member %s", member)

		r, derr := decodeTestResult([]byte(`{"status":"healthy","details":{` + member + `:"` + testCredential + `"}}`))
		require.Nil(t, derr)
		require.NotContains(t, string(r.RawJSON()), testCredential, "test result, member %s", member)
	}
}

// What encoding/json does not read as credentials is kept as sent.
func TestRawJSONKeepsNamesThatAreNotCredentials(t *testing.T) {
	obj := `{"id":"pconf_1","credential":"a","credentialss":"b","crédentials":"c"}`
	c, derr := decodeConfiguration([]byte(obj))
	require.Nil(t, derr)
	require.JSONEq(t, obj, string(c.RawJSON()))
}
