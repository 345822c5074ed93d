package jsonname

import (
	"encoding/json"
	"testing"
)

// Equal agrees with encoding/json on every one-rune substitution of a name:
// the whole Basic Multilingual Plane at the last position, and up to U+2200
// (past the Kelvin sign) at the others; MayHold is true whenever Equal is.
func TestEqualIsWhatEncodingJSONMatches(t *testing.T) {
	const name = "credentials"
	for pos := range len(name) {
		top := rune(0x2200)
		if pos == len(name)-1 {
			top = 0xffff
		}
		for r := rune(0x20); r <= top; r++ {
			if r == '"' || r == '\\' || (r >= 0xd800 && r <= 0xdfff) {
				continue
			}
			key := name[:pos] + string(r) + name[pos+1:]
			var probe struct {
				C json.RawMessage `json:"credentials"`
			}
			enc, _ := json.Marshal(key)
			if err := json.Unmarshal([]byte(`{`+string(enc)+`:1}`), &probe); err != nil {
				t.Fatal(err)
			}
			if got, want := Equal(key, name), probe.C != nil; got != want {
				t.Fatalf("Equal(%q) = %v, encoding/json matches: %v", key, got, want)
			}
			if probe.C != nil && !MayHold([]byte(`{`+key+`:1}`), name) {
				t.Fatalf("MayHold misses %q", key)
			}
		}
	}
}

func TestMayHoldIsFalseForPlainText(t *testing.T) {
	if MayHold([]byte(`{"id":"pconf_1","name":"crédit"}`), "credentials") {
		t.Fatal("MayHold is true for a body without the name")
	}
}
