// Package redact is the SDK's one place for keeping secrets out of text:
//   - the Marker printed instead of a secret;
//   - a Scrubber that removes known secret values from text a server sent
//     back (String, Bytes, Value, Header) before it reaches an error string,
//     a log record or a Response, and from an error's whole chain (Error);
//   - the rule for an error whose text no Scrubber can clean (DecodeCause,
//     EncodeReason): keep only positions, kinds and field names;
//   - the JSON redactor that blanks every "credentials" member of a body a
//     caller receives as RawJSON (JSONCredentials, Discarded).
//
// A Scrubber guarantees a property, not a replacement: no Window-byte run of
// any secret, raw or in any encoding a server is likely to echo it in (JSON
// string in Go's, Python's or PHP's escaping, query, path, Go quoting), in
// any ASCII letter case, survives in its output; and none can be read back
// by a consumer that undoes JSON, percent and HTML escapes, in any mix and
// one inside another, compares letters in any case (Unicode's full case
// mappings included) and normalizes the text (the view: view.go). One
// rule for every place that scrubs a server's text. A server that echoes half a
// secret, cuts one at a snippet boundary or escapes it is still scrubbed.
// A secret shorter than Window is removed where it stands alone. The one
// exception is the Marker itself: a secret that shares bytes with
// "***REDACTED***" may still be seen inside a Marker, which tells a reader
// nothing.
package redact

import "net/http"

// Marker replaces every secret in output; the API uses the same string.
const Marker = "***REDACTED***"

// MinSecretLen is the length below which a value is not treated as a secret:
// scrubbing every "abc" or "42" out of every message would make errors
// unreadable and such a value cannot be kept secret anyway.
const MinSecretLen = 4

// maxIndexed bounds the bytes of one secret the Scrubber indexes.
const maxIndexed = 64 << 10

// Window is the size of the guarantee: no Window consecutive bytes of an
// encoded secret survive. Values whose encoding is shorter than Window are
// matched only whole, because a fragment of a short value is as likely to be
// ordinary text as a leak.
const Window = 8

// Scrubber removes known secret values from text. Build one with New; it is
// safe for concurrent use. The zero value and a nil *Scrubber scrub nothing.
type Scrubber struct {
	// long holds every Window-byte window of every variant at least Window
	// bytes long, read little-endian, so the scan compares a whole window
	// with one lookup.
	long map[uint64]struct{}
	// short holds the variants shorter than Window, keyed by their first
	// MinSecretLen bytes.
	short map[uint32][]string
	// longF and shortF answer "certainly absent" for almost every position
	// of clean text for the price of a multiply and a bit test, so the map
	// is consulted only on a likely hit.
	longF, shortF filter
}

// New returns a Scrubber for the API key and every leaf of the credentials at
// any depth: strings, and numbers as encoding/json writes them (12345678,
// 1.5e+21). Not secrets: booleans, nil and map keys; a "type" value that
// names an auth scheme ("api_key", "bearer", "oauth2", "basic", "token", any
// case; any other "type" value is a secret); the values under keys that
// describe a grant (grant_type, token_type, scope, scopes, expires_in,
// expires_at, expiry, expiration, expires, in any case and with or without
// "_" or "-"); the scheme and host of a URL a service is configured with
// (http, https, a database's or a queue's scheme, and a host that is an IP
// address, has a port or is a dotted DNS name: urlSecrets), whose user info
// and the rest (path, query, fragment) are secrets on their own; any other
// value that parses as a URL is a secret whole. Values shorter
// than MinSecretLen bytes are ignored, and a value longer than 64 KiB is
// indexed on its first 64 KiB. credentials is the value as encoding/json
// decodes the JSON that was sent (map[string]any, []any, string,
// json.Number or float64, bool, nil); a value of another Go type is not
// walked, so decode what was sent rather than pass the caller's own value.
func New(apiKey string, credentials map[string]any) *Scrubber {
	return NewKeys([]string{apiKey}, credentials)
}

// NewKeys is New for a call that knows more than one API key (a per-call
// key and its Client's): every key in apiKeys is scrubbed like New's one.
func NewKeys(apiKeys []string, credentials map[string]any) *Scrubber {
	s := &Scrubber{}
	var long []string
	windows := 0
	add := func(secret string) {
		if len(secret) < MinSecretLen {
			return
		}
		// Past maxIndexed a value is indexed on its start only: a server
		// echoes a credential in a message, not megabytes of one, and the
		// index costs 8 bytes a byte.
		secret = secret[:min(len(secret), maxIndexed)]
		for _, v := range forms(secret) {
			if len(v) < MinSecretLen {
				// A decoded form can be shorter than the value ("0%00"
				// URL-decodes to 2 bytes); like a short value, it is no
				// secret, and le32 needs MinSecretLen bytes.
				continue
			}
			if len(v) < Window {
				if s.short == nil {
					s.short = map[uint32][]string{}
				}
				k := le32(v)
				if !contains(s.short[k], v) {
					s.short[k] = append(s.short[k], v)
				}
				continue
			}
			long = append(long, v)
			windows += len(v) - Window + 1
		}
	}
	for _, k := range apiKeys {
		add(k)
	}
	leaves("", credentials, map[uintptr]bool{}, add)
	// Sized once for every window: grown window by window, the map is
	// rehashed a dozen times for a long credential.
	if len(long) > 0 {
		s.long = make(map[uint64]struct{}, windows)
	}
	for _, v := range long {
		for i := 0; i+Window <= len(v); i++ {
			s.long[le64(v[i:])] = struct{}{}
		}
	}
	s.longF = newFilter(len(s.long))
	for k := range s.long {
		s.longF.add(k)
	}
	s.shortF = newFilter(len(s.short))
	for k := range s.short {
		s.shortF.add(uint64(k))
	}
	return s
}

// Empty reports whether s holds no secret, so that String, Bytes and Value
// return their input. A nil Scrubber is empty.
func (s *Scrubber) Empty() bool {
	return s == nil || (len(s.long) == 0 && len(s.short) == 0)
}

// String returns text with every run of bytes that belongs to a secret
// window, or to a whole short secret that stands alone (no ASCII letter or
// digit on either side), replaced by one Marker, cut on rune boundaries so
// valid UTF-8 stays valid. ASCII letters match in either case. When nothing matches, or s is nil or
// empty, it returns text itself without allocating.
func (s *Scrubber) String(text string) string {
	if s.Empty() || len(text) < MinSecretLen {
		return text
	}
	cov := cover(s, text)
	if cov == nil {
		return text
	}
	return string(rebuild(s, text, cov))
}

// Bytes is String for a body: it returns b itself when nothing matched (or s
// is nil or empty), else a new slice; b is never modified.
func (s *Scrubber) Bytes(b []byte) []byte {
	if s.Empty() || len(b) < MinSecretLen {
		return b
	}
	cov := cover(s, b)
	if cov == nil {
		return b
	}
	return rebuild(s, b, cov)
}

// Value returns a copy of v with every string in it scrubbed, map keys
// included, for a decoded JSON value. Maps (map[string]any) and slices
// ([]any) are copied, never modified in place; a nil map or slice stays nil.
// A number (float64 or json.Number) whose encoding/json text String would change
// becomes the string Marker. Other types are returned as is. Two keys that
// scrub to the same text collapse into one. A nil or empty Scrubber returns
// v itself, uncopied.
func (s *Scrubber) Value(v any) any {
	if s.Empty() {
		return v
	}
	switch t := v.(type) {
	case string:
		return s.String(t)
	case map[string]any:
		if t == nil {
			return t
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[s.String(k)] = s.Value(e)
		}
		return out
	case []any:
		if t == nil {
			return t
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = s.Value(e)
		}
		return out
	}
	if n, ok := number(v); ok && s.String(n) != n {
		return Marker
	}
	return v
}

// Header returns a copy of h with every name and value scrubbed: a server
// can echo a secret in a header name too. A nil h gives an empty header.
func (s *Scrubber) Header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			c[i] = s.String(v)
		}
		out[s.String(k)] = c
	}
	return out
}
