package freddytest

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A server listening on every interface names a host a client can dial and,
// over TLS, verify with nothing but CertificatePEM: a real TLS handshake
// against the URL's host, by a client that is not Server.Client.
func TestURLOfAListenerOnEveryInterface(t *testing.T) {
	for _, tc := range []struct {
		network, addr, host string
	}{
		{"tcp4", "0.0.0.0:0", "127.0.0.1"},
		{"tcp6", "[::]:0", "::1"},
	} {
		for _, secure := range []bool{false, true} {
			l, err := net.Listen(tc.network, tc.addr)
			if err != nil {
				t.Logf("%s %s: %v (no such stack here)", tc.network, tc.addr, err)
				continue
			}
			opts := []Option{WithListener(l)}
			scheme := "http"
			if secure {
				opts, scheme = append(opts, WithTLS()), "https"
			}
			srv := Start(t, opts...)
			u, err := url.Parse(srv.URL)
			require.NoError(t, err)
			assert.Equal(t, scheme, u.Scheme, srv.URL)
			assert.Equal(t, tc.host, u.Hostname(), srv.URL)
			assert.Equal(t, strconvPort(l.Addr()), u.Port(), srv.URL)

			tr := &http.Transport{}
			if secure {
				pool := x509.NewCertPool()
				require.True(t, pool.AppendCertsFromPEM(srv.CertificatePEM()))
				tr.TLSClientConfig = &tls.Config{RootCAs: pool}
			}
			hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			req, err := http.NewRequest(http.MethodGet, srv.URL+basePath, nil)
			require.NoError(t, err)
			req.Header.Set("X-API-Key", srv.APIKey)
			resp, err := hc.Do(req)
			require.NoError(t, err, "a client verifying with the written certificate reaches %s", srv.URL)
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			tr.CloseIdleConnections()
		}
	}
}

func strconvPort(a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	return port
}
