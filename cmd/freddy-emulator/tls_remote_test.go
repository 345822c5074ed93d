package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// -allow-remote -addr 0.0.0.0:0 -tls prints a URL that a TLS client
// verifies with the written certificate alone: a real handshake against
// the printed host.
func TestRemoteTLSBannerIsVerifiableWithTheCertificate(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "emulator.pem")
	ctx, cancel := context.WithCancel(context.Background())
	out, stdout := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"-allow-remote", "-addr", "0.0.0.0:0", "-tls", "-tls-cert", certFile}, stdout, io.Discard)
		_ = stdout.Close()
		exited <- code
	}()
	defer func() {
		cancel()
		assert.Equal(t, 0, <-exited)
	}()
	br := bufio.NewReader(out)
	url, key := readBanner(t, br)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "TLS certificate: "+certFile, strings.TrimSpace(line))
	go func() { _, _ = io.Copy(io.Discard, br) }()
	assert.Regexp(t, `^https://127\.0\.0\.1:[0-9]+$`, url)

	pemBytes, err := os.ReadFile(certFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	status, body := plain(t, &http.Client{Transport: tr, Timeout: 10 * time.Second}, "GET", url+"/v1/personal-connectors/configurations", "", "X-API-Key", key)
	assert.Equal(t, 200, status, body)
}
