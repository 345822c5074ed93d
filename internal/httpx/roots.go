package httpx

import (
	"crypto/tls"
	"net/http"
)

// TrustRoots returns a clone of t (nil for http.DefaultTransport's) that
// verifies servers against roots' RootCAs only, TLS 1.2 at least, and keeps
// the rest of t's TLS configuration; t itself is not modified. When t would
// have negotiated HTTP/2 by itself, the clone still does: setting a TLS
// configuration would otherwise turn it off.
func TrustRoots(t *http.Transport, roots *tls.Config) *http.Transport {
	if t == nil {
		t = http.DefaultTransport.(*http.Transport)
	}
	// The deprecated Dial and DialTLS still turn HTTP/2 off when set, as
	// net/http's own check does.
	//lint:ignore SA1019 mirrors net/http's HTTP/2 condition
	h2 := t.TLSClientConfig == nil && t.Dial == nil && t.DialContext == nil && t.DialTLS == nil && t.DialTLSContext == nil
	c := t.Clone()
	tc := &tls.Config{}
	if t.TLSClientConfig != nil {
		tc = t.TLSClientConfig.Clone()
	}
	tc.RootCAs = roots.RootCAs
	tc.MinVersion = max(tc.MinVersion, roots.MinVersion)
	c.TLSClientConfig = tc
	c.ForceAttemptHTTP2 = c.ForceAttemptHTTP2 || h2
	return c
}
