package freddytest

import (
	"net/http"
	"strings"
)

// This file is the one rule for where a request presents an API key, read
// by authentication and by the control API's listing. Auth schemes are
// case-insensitive and the scheme may be followed by any run of spaces or
// tabs (RFC 7235), so "bearer", "BEARER" and "Bearer  " present a key as
// "Bearer " does. For the listing, a header whose name normalises to
// x-api-key (any case, '_' for '-': WSGI servers read X-API_KEY as
// X-Api-Key) or authorization is a key header, and each of its values
// counts, not only the first: any of them may be the key a server judges.

// bearerToken returns the credentials of an Authorization value whose
// scheme is Bearer, in any case, and whether it has that scheme.
func bearerToken(v string) (string, bool) {
	scheme, rest := authScheme(v)
	if !strings.EqualFold(scheme, "Bearer") || rest == "" {
		return "", false
	}
	return rest, true
}

// authScheme splits an Authorization value into its scheme and the
// credentials after it, both trimmed; rest is "" for a bare value.
func authScheme(v string) (scheme, rest string) {
	v = strings.TrimSpace(v)
	i := strings.IndexAny(v, " \t")
	if i < 0 {
		return v, ""
	}
	return v[:i], strings.TrimSpace(v[i:])
}

// isKeyHeader reports whether a header name presents an API key: it
// normalises to x-api-key or authorization.
func isKeyHeader(name string) bool {
	n := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	return n == "x-api-key" || n == "authorization"
}

// presentedKeys returns every value h presents as a key: each value of
// each key header, an Authorization value's credentials after its scheme
// whatever the scheme (a server may echo any of them), or the whole value
// when it has no scheme. The scheme itself is a word, not a secret.
func presentedKeys(h http.Header) []string {
	var out []string
	for name, vs := range h {
		if !isKeyHeader(name) {
			continue
		}
		auth := strings.EqualFold(name, "Authorization")
		for _, v := range vs {
			if _, rest := authScheme(v); auth && rest != "" {
				out = append(out, rest)
			} else {
				out = append(out, strings.TrimSpace(v))
			}
		}
	}
	return out
}
