package freddytest

import (
	"errors"
	"net"
	"strings"
)

// CheckTLSHost reports why host cannot be a name in the certificate of
// WithTLS, or nil: it must be an IP address or a host name of dot-separated
// labels of letters, digits, '-' and '_' (a docker-compose service name),
// each 1 to 63 bytes and not starting or ending with '-', 253 bytes at most.
func CheckTLSHost(host string) error {
	if net.ParseIP(host) != nil {
		return nil
	}
	if host == "" || len(host) > 253 {
		return errors.New("freddytest: TLS host " + quote(host) + ": want a host name or IP address")
	}
	for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' ||
			strings.IndexFunc(label, func(r rune) bool { return !hostChar(r) }) >= 0 {
			return errors.New("freddytest: TLS host " + quote(host) + ": want a host name (letters, digits, '-', '_' between dots) or IP address")
		}
	}
	return nil
}

func hostChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_'
}

// validTLSHosts returns the hosts CheckTLSHost accepts and the errors of
// the others.
func validTLSHosts(hosts []string) (ok []string, errs []error) {
	for _, h := range hosts {
		if err := CheckTLSHost(h); err != nil {
			errs = append(errs, err)
			continue
		}
		ok = append(ok, h)
	}
	return ok, errs
}

// clientAddr is the address a client dials to reach a listener on addr:
// an unspecified IP (0.0.0.0, ::), which no client can verify a
// certificate for and some systems cannot dial, becomes the loopback
// address of its family, which every certificate of WithTLS names. It is
// the one rule for Server.URL, http and https alike.
func clientAddr(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil || !ip.IsUnspecified():
		return addr.String()
	case ip.To4() != nil:
		host = "127.0.0.1"
	default:
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}
