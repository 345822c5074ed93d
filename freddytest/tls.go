package freddytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"
)

// WithTLS makes the server speak HTTPS, HTTP/2 included, with a self-signed
// certificate made at NewServer for localhost, 127.0.0.1, ::1, the
// listener's address and hosts (names or IPs, e.g. a docker-compose
// service name). Server.URL starts with https:// and names a host the
// certificate holds (a listener on 0.0.0.0 or :: is reached at 127.0.0.1
// or ::1; see WithListener), Server.Client trusts the
// certificate, and Server.CertificatePEM returns it for other clients.
// Several calls add up their hosts. A host CheckTLSHost refuses is left
// out of the certificate; a server made by Start or StartTLS fails its
// test with tb.Errorf naming it (NewServer has no test to tell: call
// CheckTLSHost first).
func WithTLS(hosts ...string) Option {
	return func(c *config) {
		c.tls = true
		c.tlsHosts = append(c.tlsHosts, hosts...)
	}
}

// StartTLS is Start with WithTLS: an HTTPS server with HTTP/2 on, whose
// self-signed certificate srv.Client() trusts.
func StartTLS(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := NewServer(append(opts, WithTLS())...)
	s.attach(tb)
	tb.Cleanup(s.Close)
	return s
}

// CertificatePEM returns the server's certificate in PEM form, for clients
// that must trust it (curl --cacert, a browser, another language's HTTP
// client), or nil when the server is not a TLS one.
func (s *Server) CertificatePEM() []byte {
	if s.cert == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.cert.Raw})
}

// CertPool returns a pool holding only the server's certificate, for
// freddy.WithRootCAs or a tls.Config of your own, or nil when the server is
// not a TLS one.
func (s *Server) CertPool() *x509.CertPool {
	if s.cert == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(s.cert)
	return pool
}

// selfSigned makes an ECDSA P-256 certificate, valid from an hour ago for a
// year, for the loopback names, addr's host and hosts.
func selfSigned(addr net.Addr, hosts []string) (tls.Certificate, *x509.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("freddytest: generating a TLS key: " + err.Error())
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"freddytest"}, CommonName: "freddytest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	names := hosts
	if host, _, err := net.SplitHostPort(addr.String()); err == nil {
		names = append([]string{host}, names...)
	}
	for _, h := range names {
		if ip := net.ParseIP(h); ip != nil {
			if !ip.IsUnspecified() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic("freddytest: making a TLS certificate: " + err.Error())
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic("freddytest: reading back the TLS certificate: " + err.Error())
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, cert
}

// serveTLS switches s to HTTPS on l before the accept loop starts: it wraps
// l in TLS with HTTP/2 and HTTP/1.1 offered, and sets s.URL and s.cert.
func (s *Server) serveTLS(l net.Listener) {
	hosts, errs := validTLSHosts(s.cfg.tlsHosts)
	s.tlsHostErrs = errs
	cert, leaf := selfSigned(l.Addr(), hosts)
	s.cert = leaf
	s.URL = "https://" + clientAddr(l.Addr())
	s.http.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}, MinVersion: tls.VersionTLS12}
}
