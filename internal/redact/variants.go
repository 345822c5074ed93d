package redact

import (
	"bytes"
	"encoding/json"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
)

// variants returns secret as a server may echo it: raw, inside a JSON string
// (encoding/json escapes <, > and & by default; many servers turn that off;
// Python's json escapes every non-ASCII character as \uXXXX; PHP's escapes
// "/" as "\/" too), in a query or a path, and inside a Go-quoted error
// message. Matching ignores ASCII case,
// so hex digits may come in either case. Duplicates are dropped so the
// window set does not hold the same bytes twice.
func variants(secret string) []string {
	out := make([]string, 0, 10)
	seen := func(v string) bool {
		for _, o := range out {
			if o == v {
				return true
			}
		}
		return false
	}
	add := func(v string) {
		if !seen(v) {
			out = append(out, v)
		}
	}
	add(secret)
	if b, err := json.Marshal(secret); err == nil {
		add(string(b[1 : len(b)-1]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(secret) == nil {
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		add(string(b[1 : len(b)-1]))
	}
	add(asciiJSON(secret))
	// PHP's json_encode also escapes every "/" by default; the JSON forms
	// so far (the raw one too, when JSON changes nothing) get that twin.
	for _, v := range out {
		if strings.Contains(v, "/") {
			add(strings.ReplaceAll(v, "/", `\/`))
		}
	}
	add(url.QueryEscape(secret))
	add(url.PathEscape(secret))
	q := strconv.Quote(secret)
	add(q[1 : len(q)-1])
	return out
}

// forms returns what the index holds for secret: each variant as the raw
// scan reads it (ASCII case folded) and as a consumer decodes it (its view:
// view.go), without duplicates.
func forms(secret string) []string {
	vs := variants(secret)
	out := make([]string, 0, 2*len(vs))
	for _, v := range vs {
		if f := foldString(v); !contains(out, f) {
			out = append(out, f)
		}
		if d, ok := viewString(v); ok && !contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// asciiJSON escapes secret as a JSON string body with every non-ASCII
// character as \uXXXX (UTF-16 surrogate pairs above U+FFFF), the way
// Python's json.dumps writes it by default.
func asciiJSON(secret string) string {
	var b strings.Builder
	for _, r := range secret {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 && strings.ContainsRune("\b\f\n\r\t", r):
			b.WriteByte('\\')
			b.WriteByte("bfnrt"[strings.IndexRune("\b\f\n\r\t", r)])
		case r < 0x20 || r >= 0x80:
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				writeU(&b, r1)
				writeU(&b, r2)
				continue
			}
			writeU(&b, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func writeU(b *strings.Builder, r rune) {
	const hex = "0123456789abcdef"
	b.WriteString(`\u`)
	b.WriteByte(hex[r>>12&0xf])
	b.WriteByte(hex[r>>8&0xf])
	b.WriteByte(hex[r>>4&0xf])
	b.WriteByte(hex[r&0xf])
}

// descriptiveKeys name credential fields that describe a grant rather than
// hold a secret, in lower case without "_" or "-": an OAuth grant or token
// type, scopes, expiry times. Scrubbing their values ("client_credentials",
// "repo", 3600, a date) out of every message would mangle error codes,
// Retry-After values and reset times for nothing.
var descriptiveKeys = map[string]bool{
	"granttype": true, "tokentype": true, "scope": true, "scopes": true,
	"expiresin": true, "expiresat": true, "expiry": true, "expiration": true, "expires": true,
}

func descriptive(key string) bool {
	k := strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(key))
	return descriptiveKeys[k]
}

// urlSecrets returns the parts of a credential value that is a URL and can
// be secret: its user info and what follows its host (a webhook's path, a
// token in its query). The rule: the scheme and host are public only when
// the value is a URL a service would be configured with, so that a secret
// that merely parses as a URL ("hunter2://correct-horse-battery-staple") is
// never exposed: the scheme is one of publicSchemes, and the host (port
// aside) is an IP address or a DNS name of at least two labels whose last
// one starts with a letter, or it has a port. ok is false for any other
// value, which is then a secret whole.
func urlSecrets(s string) (parts []string, ok bool) {
	i := strings.Index(s, "://")
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || i < 0 || !publicSchemes[strings.ToLower(u.Scheme)] || !publicHost(u) {
		return nil, false
	}
	rest := s[i+len("://"):]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		parts = append(parts, authority[:at])
	}
	return append(parts, tail), true
}

// publicSchemes are the schemes of the URLs a connector is configured with
// (an API's base, a webhook, a database), whose host names a service.
var publicSchemes = map[string]bool{
	"http": true, "https": true, "ws": true, "wss": true, "ftp": true, "ftps": true, "sftp": true, "ssh": true,
	"postgres": true, "postgresql": true, "mysql": true, "mongodb": true, "mongodb+srv": true,
	"redis": true, "rediss": true, "amqp": true, "amqps": true, "ldap": true, "ldaps": true, "smtp": true, "smtps": true,
}

// publicHost reports whether u's host looks like a service's: an IP
// address, a port, or a dotted DNS name whose top label starts with a
// letter; every label letters, digits and hyphens.
func publicHost(u *url.URL) bool {
	host := u.Hostname()
	if net.ParseIP(host) != nil || u.Port() != "" && host != "" {
		return true
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(labels) < 2 || !isLetter(labels[len(labels)-1][0]) {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			return false
		}
	}
	return true
}

// schemes are credential "type" values that name an auth scheme rather than
// hold a secret; scrubbing them would mangle every message that says
// "bearer".
var schemes = []string{"api_key", "bearer", "oauth2", "basic", "token"}

func isScheme(v string) bool {
	for _, s := range schemes {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// leaves calls add with every secret leaf of v, a value as encoding/json
// decodes it with UseNumber (its only input is the credentials' own JSON):
// strings, and numbers as written. A float64 (a value decoded without
// UseNumber) is written as encoding/json would write it. onPath stops a map
// or slice that contains itself, which JSON cannot produce but a caller of
// New can.
func leaves(key string, v any, onPath map[uintptr]bool, add func(string)) {
	switch t := v.(type) {
	case string:
		if key == "type" && isScheme(t) {
			return
		}
		if parts, ok := urlSecrets(t); ok {
			for _, p := range parts {
				add(p)
			}
			return
		}
		add(t)
	case json.Number:
		add(t.String())
	case float64:
		if n, ok := number(t); ok {
			add(n)
		}
	case []any:
		if enter(onPath, t) {
			defer leave(onPath, t)
			for _, e := range t {
				leaves("", e, onPath, add)
			}
		}
	case map[string]any:
		if enter(onPath, t) {
			defer leave(onPath, t)
			for k, e := range t {
				if !descriptive(k) {
					leaves(k, e, onPath, add)
				}
			}
		}
	}
}

// enter marks a map or slice as being walked; false means it already is
// (or is nil) and must not be walked again.
func enter(onPath map[uintptr]bool, v any) bool {
	p := reflect.ValueOf(v).Pointer()
	if p == 0 || onPath[p] {
		return false
	}
	onPath[p] = true
	return true
}

func leave(onPath map[uintptr]bool, v any) { delete(onPath, reflect.ValueOf(v).Pointer()) }

// number returns a JSON number (float64 or json.Number) as encoding/json
// writes it.
func number(v any) (string, bool) {
	switch t := v.(type) {
	case json.Number:
		return t.String(), true
	case float64:
		b, err := json.Marshal(t)
		if err != nil {
			return "", false
		}
		return string(b), true
	}
	return "", false
}
