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
	cut := false
	if _, err := walkValue(d, false, &found, &cut); err != nil && cut {
		// A string inside a credentials value that the decoder could not
		// return (the text ends in it, or it holds a bad escape): the
		// string as far as it reads. The error is at its opening quote;
		// the text after it is not the credential's.
		if str := stringAt(raw[d.InputOffset():]); str != nil {
			for _, v := range StringValues(str) {
				found = append(found, v)
			}
		}
	}
	return found
}

// stringAt is the JSON string t starts with, up to its closing quote or
// t's end; nil if t does not start with one.
func stringAt(t []byte) []byte {
	if len(t) == 0 || t[0] != '"' {
		return nil
	}
	for i := 1; i < len(t); i++ {
		switch t[i] {
		case '\\':
			i++
		case '"':
			return t[:i+1]
		}
	}
	return t
}

// walkValue reads one JSON value from d and returns it in the shape New
// walks; a member named credentials (or anything inside one, when inCreds)
// is appended to found. On an error it returns what it read so far, which
// its caller still appends, and sets *cut when the error came inside a
// credentials value.
func walkValue(d *json.Decoder, inCreds bool, found *[]any, cut *bool) (any, error) {
	tok, err := d.Token()
	if err != nil {
		*cut = inCreds
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	var list []any
	for d.More() {
		if delim == '[' {
			v, err := walkValue(d, inCreds, found, cut)
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
		v, err := walkValue(d, inCreds || creds, found, cut)
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

// StringValues returns the content of every string value in a text that
// may not be valid JSON (cut at a size limit, a trailing comma), as far as
// each reads: a literal the text cuts short gives what it holds. A literal
// followed by ':' (after white space) is a member name and is left out:
// names are the API's structure, not what a caller sent, and a Scrubber
// fed "type" would blank every "Content-Type". Past a syntax error no
// member name says which value is a credential, so a caller that must keep
// every credential of such a text out of other output (the header of the
// same request) treats every value as one. A value is kept to its first
// maxLiteral bytes: a longer one is padding or prose, and indexing it whole
// would cost the Scrubber 8 bytes of index a byte.
func StringValues(raw []byte) []string {
	var out []string
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
		i = end
		if isName(raw, end+1) {
			continue
		}
		out = append(out, s[:min(len(s), maxLiteral)])
	}
	return out
}

// isName reports whether raw[at:] starts, after white space, with ':'.
func isName(raw []byte, at int) bool {
	for ; at < len(raw); at++ {
		switch raw[at] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

// maxLiteral bounds what StringValues keeps of one value.
const maxLiteral = 8 << 10
