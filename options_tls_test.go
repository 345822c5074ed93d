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
	_, err = freddy.NewClient(freddy.WithAPIKey("k_0000000000"), freddy.WithRootCAs(srv.CertPool()),
		freddy.WithHTTPClient(&http.Client{Transport: roundTripFunc(http.DefaultTransport.RoundTrip)}))
	assert.ErrorContains(t, err, "cannot add roots to a transport of type freddy_test.roundTripFunc")
	assert.ErrorContains(t, err, "srv.CertPool()")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestWithRootCAsWithHTTPClient: the caller's *http.Transport is cloned with
// the pool, HTTP/2 still negotiated, and the caller's values are untouched.
func TestWithRootCAsWithHTTPClient(t *testing.T) {
	srv := freddytest.StartTLS(t)
	for name, hc := range map[string]*http.Client{
		"nil transport":   {},
		"plain transport": {Transport: &http.Transport{}},
	} {
		t.Run(name, func(t *testing.T) {
			orig := hc.Transport
			c, err := freddy.NewClient(freddy.WithBaseURL(srv.URL), freddy.WithAPIKey(srv.APIKey),
				freddy.WithRootCAs(srv.CertPool()), freddy.WithHTTPClient(hc), freddy.WithMaxRetries(0))
			require.NoError(t, err)
			defer c.CloseIdleConnections()
			_, err = c.Configurations.List(context.Background(), freddy.ListConfigurationsParams{})
			require.NoError(t, err)
			reqs := srv.Requests()
			assert.Equal(t, "HTTP/2.0", reqs[len(reqs)-1].Proto)
			assert.Equal(t, orig, hc.Transport, "the caller's client is not modified")
			if tr, ok := orig.(*http.Transport); ok && tr.TLSClientConfig != nil {
				// net/http itself fills in NextProtos when a transport is
				// first cloned or used; the roots stay the caller's.
				assert.Nil(t, tr.TLSClientConfig.RootCAs, "the caller's transport does not get the pool")
			}
		})
	}
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
