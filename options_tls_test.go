package freddy_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
)

func TestWithRootCAsTrustsOnlyThePool(t *testing.T) {
	srv := freddytest.StartTLS(t)
	ctx := context.Background()
	trusted, err := freddy.NewClient(freddy.WithBaseURL(srv.URL), freddy.WithAPIKey(srv.APIKey), freddy.WithRootCAs(srv.CertPool()))
	require.NoError(t, err)
	defer trusted.CloseIdleConnections()
	_, err = trusted.Configurations.Create(ctx, freddy.CreateConfigurationParams{PersonalConnectorID: "pcon_github", Name: "n", Credentials: freddy.BearerCredentials("ghp_tls_token")})
	require.NoError(t, err)

	other, err := freddy.NewClient(freddy.WithBaseURL(srv.URL), freddy.WithAPIKey(srv.APIKey), freddy.WithRootCAs(x509.NewCertPool()), freddy.WithMaxRetries(0))
	require.NoError(t, err)
	defer other.CloseIdleConnections()
	_, err = other.Configurations.List(ctx, freddy.ListConfigurationsParams{})
	require.Error(t, err, "a pool without the server's certificate does not trust it")
	assert.Contains(t, err.Error(), "certificate")

	_, err = freddy.NewClient(freddy.WithAPIKey("k_0000000000"), freddy.WithRootCAs(nil))
	assert.ErrorContains(t, err, "WithRootCAs: nil pool")
	_, err = freddy.NewClient(freddy.WithAPIKey("k_0000000000"), freddy.WithRootCAs(srv.CertPool()), freddy.WithHTTPClient(&http.Client{}))
	assert.ErrorContains(t, err, "WithRootCAs has no effect with WithHTTPClient")
}

func TestWithInsecureHTTPAllowsOneNamedHost(t *testing.T) {
	// The default stays strict.
	_, err := freddy.NewClient(freddy.WithAPIKey("k_0000000000"), freddy.WithBaseURL("http://freddy-emulator:12111"))
	require.ErrorContains(t, err, "plain http to freddy-emulator")

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	c, err := freddy.NewClient(freddy.WithAPIKey("k_0000000000"), freddy.WithBaseURL("http://Freddy-Emulator:12111"),
		freddy.WithInsecureHTTP("freddy-emulator"), freddy.WithLogger(logger))
	require.NoError(t, err)
	assert.Contains(t, c.String(), "http://Freddy-Emulator:12111")
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "host=Freddy-Emulator")

	_, err = freddy.NewClient(freddy.WithAPIKey("k_0000000000"), freddy.WithBaseURL("http://other-host:12111"), freddy.WithInsecureHTTP("freddy-emulator"))
	require.ErrorContains(t, err, "plain http to other-host", "only the named host")

	_, err = freddy.NewClient(freddy.WithAPIKey("k_0000000000"), freddy.WithBaseURL("http://[fd00::1]:80"), freddy.WithInsecureHTTP("fd00::1"))
	require.NoError(t, err, "an IPv6 literal")

	for _, bad := range []string{"", "http://freddy-emulator", "freddy-emulator:12111", "host/path", "[fd00::1]:80"} {
		_, err = freddy.NewClient(freddy.WithAPIKey("k_0000000000"), freddy.WithInsecureHTTP(bad))
		assert.ErrorContains(t, err, "WithInsecureHTTP: want a bare host", bad)
	}
}

// TestWithInsecureHTTPReachesANonLoopbackHost sends a real call over plain
// http to a host that is not loopback: this machine's own non-loopback
// address, when it has one.
func TestWithInsecureHTTPReachesANonLoopbackHost(t *testing.T) {
	ip := nonLoopbackIP(t)
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Skip("cannot listen on", ip, err)
	}
	srv := freddytest.Start(t, freddytest.WithListener(l))
	c, err := srv.Client(freddy.WithInsecureHTTP(ip))
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	_, err = c.Configurations.List(context.Background(), freddy.ListConfigurationsParams{})
	require.NoError(t, err)
	_, err = srv.Client()
	require.ErrorContains(t, err, "plain http to "+ip, "without the option")
}

func nonLoopbackIP(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !strings.HasPrefix(n.IP.String(), "169.254.") {
			return n.IP.String()
		}
	}
	t.Skip("no non-loopback IPv4 address")
	return ""
}
