package freddy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// WithRootCAs makes the client trust only the certificates in pool, instead
// of the system's, when it verifies the server: FOR TESTS against a server
// with a self-signed or private test CA (freddytest.StartTLS,
// freddy-emulator -tls). Verification stays on and TLS 1.2 is the minimum;
// nothing else about the connection changes. With WithHTTPClient, the
// client uses a copy of yours whose transport, an *http.Transport (or nil,
// for http.DefaultTransport), is cloned with RootCAs set to pool and the
// rest of its TLS configuration kept; your client and transport are not
// modified. Any other http.RoundTripper is an error: give it the pool
// yourself (freddytest's CertPool). A nil pool is an error.
func WithRootCAs(pool *x509.CertPool) Option {
	return clientOnly("WithRootCAs", func(c *config) error {
		if pool == nil {
			return errors.New("freddy: WithRootCAs: nil pool; leave the option out to trust the system's roots")
		}
		c.tlsConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		c.rootCAsSet = true
		return nil
	})
}

// WithInsecureHTTP allows a plain http:// base URL to the one named host,
// which NewClient otherwise refuses for any host but a loopback one:
// FOR TESTS ONLY, e.g. an emulator reached by a docker-compose service name
// ("http://freddy-emulator:12111"). The API key then travels unencrypted
// to that host. host is a host name or IP without port, compared without
// regard to case; it allows nothing for https, any other host or a redirect
// elsewhere. When a logger is set (WithLogger), NewClient logs a warning
// naming the host. An empty host, or one with a scheme, port or path, is an
// error.
func WithInsecureHTTP(host string) Option {
	return clientOnly("WithInsecureHTTP", func(c *config) error {
		bare := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if net.ParseIP(bare) == nil && (bare == "" || strings.ContainsAny(bare, ":/@?#[] ")) {
			return errors.New("freddy: WithInsecureHTTP: want a bare host name or IP such as \"freddy-emulator\", without scheme, port or path")
		}
		c.insecureHTTPHost = bare
		return nil
	})
}

// checkTLSOptions refuses option combinations that would silently not do
// what they say.
func checkTLSOptions(cfg *config) error {
	if !cfg.rootCAsSet || cfg.httpClient == nil {
		return nil
	}
	if _, ok := cfg.httpClient.Transport.(*http.Transport); ok || cfg.httpClient.Transport == nil {
		return nil
	}
	return fmt.Errorf("freddy: WithRootCAs with WithHTTPClient: cannot add roots to a transport of type %T, only to an *http.Transport; set the RootCAs of your transport's TLS configuration instead (freddytest: srv.CertPool())", cfg.httpClient.Transport)
}

// allowedHTTP reports whether plain http to host is allowed: a loopback host,
// or the one WithInsecureHTTP named.
func (cfg *config) allowedHTTP(host string) bool {
	return isLoopback(host) || (cfg.insecureHTTPHost != "" && strings.EqualFold(host, cfg.insecureHTTPHost))
}
