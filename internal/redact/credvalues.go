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
