package redact

import (
	"bytes"
	"encoding/json"

	"github.com/aitronos/freddy-go/internal/jsonname"
)

// JSONCredentialValues returns, for New, the value of every "credentials"
// member of the JSON text raw, at any depth: every duplicate (encoding/json
// keeps only the last, but the others were sent too and may be echoed), and
// every name encoding/json folds to "credentials" (any case, "ſ" for "s",
// escaped or not). Objects inside a value keep all their members, duplicates
// included, as a list of one-member maps, so New still sees each member's
// name. A text that is not valid JSON (cut at a size limit, a trailing
// comma) gives what was read before the first error, a credentials value
// the error cut short included as far as it was read: those values were
// sent too. It returns nil when raw holds no such member.
func JSONCredentialValues(raw []byte) []any {
	if !jsonname.MayHold(raw, "credentials") {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var found []any
	_, _ = walkValue(d, false, &found)
	return found
}

// walkValue reads one JSON value from d and returns it in the shape New
// walks; a member named credentials (or anything inside one, when inCreds)
// is appended to found. On an error it returns what it read so far, which
// its caller still appends.
func walkValue(d *json.Decoder, inCreds bool, found *[]any) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	var list []any
	for d.More() {
		if delim == '[' {
			v, err := walkValue(d, inCreds, found)
			list = append(list, v)
			if err != nil {
				return list, err
			}
			continue
		}
		key, err := d.Token()
		if err != nil {
			return list, err
		}
		name, _ := key.(string)
		creds := !inCreds && jsonname.Equal(name, "credentials")
		v, err := walkValue(d, inCreds || creds, found)
		if creds && v != nil {
			*found = append(*found, v)
		}
		list = append(list, map[string]any{name: v})
		if err != nil {
			return list, err
		}
	}
	if _, err := d.Token(); err != nil {
		return list, err
	}
	return list, nil
}

// StringLiterals returns, for New, the content of every string literal in
// a text that is not valid JSON, object keys included, as far as each
// reads: a literal the text cuts short gives what it holds. Past a syntax
// error no member name says which value is a credential, so a caller that
// must keep every credential of such a text out of other output (the
// header of the same request) treats every string as one; the cost is
// over-redaction of a broken request only. A literal is kept to its first
// maxLiteral bytes: a longer one is padding or prose, and indexing it whole
// would cost the Scrubber 8 bytes of index a byte.
func StringLiterals(raw []byte) []any {
	var out []any
	for i := 0; i < len(raw); i++ {
		if raw[i] != '"' {
			continue
		}
		j := i + 1
		for j < len(raw) && raw[j] != '"' {
			if raw[j] == '\\' {
				j++
			}
			j++
		}
		end := min(j, len(raw))
		var s string
		if j >= len(raw) || json.Unmarshal(raw[i:end+1], &s) != nil {
			s = string(raw[i+1 : end])
		}
		out = append(out, s[:min(len(s), maxLiteral)])
		i = end
	}
	return out
}

// maxLiteral bounds what StringLiterals keeps of one literal.
const maxLiteral = 8 << 10
