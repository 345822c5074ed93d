package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	freddy "github.com/aitronos/freddy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plain sends one request with net/http only, as a test in another
// language would, and returns the status and body.
func plain(t *testing.T, hc *http.Client, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// controlThroughBinary drives the built emulator's control API with plain
// HTTP: a targeted fault fails only the health check, and the request
// listing shows no 8 bytes in a row of the key or a credential.
func controlThroughBinary(t *testing.T, bin string) {
	const key = "fk_live_EMULATORKEY_0123456789"
	const token = "ghp_EMULATORSECRET_abcdefghijklmnop"
	p := startProcess(t, bin, "-addr", "127.0.0.1:0", "-control", "-api-key", key)
	url, _ := readBanner(t, p.stdout)
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()

	status, body := plain(t, hc, "POST", url+"/_freddytest/faults", `[{"kind":"server_error"}]`)
	assert.Equal(t, 400, status, body)
	status, body = plain(t, hc, "POST", url+"/_freddytest/faults", `[{"kind":"ServerError","method":"POST","path":"/{id}/test","count":-1}]`)
	require.Equal(t, 200, status, body)

	create := `{"personalConnectorId":"pcon_github","name":"n","credentials":{"token":"` + token + `"}}`
	status, body = plain(t, hc, "POST", url+"/v1/personal-connectors/configurations", create, "X-API-Key", key, "Content-Type", "application/json")
	require.Equal(t, 200, status, body)
	var created struct {
		Data struct{ ID string } `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &created))
	status, _ = plain(t, hc, "POST", url+"/v1/personal-connectors/configurations/"+created.Data.ID+"/test", "", "Authorization", "Bearer "+key)
	assert.Equal(t, 500, status, "the targeted fault")
	status, _ = plain(t, hc, "GET", url+"/v1/personal-connectors/configurations/"+created.Data.ID, "", "X-API-Key", key)
	assert.Equal(t, 200, status, "other routes are not targeted")

	status, body = plain(t, hc, "GET", url+"/_freddytest/requests", "")
	require.Equal(t, 200, status)
	assert.Contains(t, body, `"dropped":0`)
	assert.Contains(t, body, "/test")
	lower := strings.ToLower(body)
	for _, secret := range []string{key, token} {
		for i := 0; i+8 <= len(secret); i++ {
			assert.NotContains(t, lower, strings.ToLower(secret[i:i+8]), "window %d of %s…", i, secret[:4])
		}
	}

	status, body = plain(t, hc, "PUT", url+"/_freddytest/configurations/"+created.Data.ID+"/health", `{"status":"unhealthy"}`)
	assert.Equal(t, 200, status, body)
	status, body = plain(t, hc, "GET", url+"/_freddytest/configurations", "")
	assert.Equal(t, 200, status)
	assert.Contains(t, body, created.Data.ID)
	status, _ = plain(t, hc, "POST", url+"/_freddytest/reset", "")
	assert.Equal(t, 200, status)
	_, body = plain(t, hc, "GET", url+"/_freddytest/configurations", "")
	assert.JSONEq(t, `{"data":[]}`, body)

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, 0, p.exitCode(t))
}

// tlsThroughBinary runs the SDK against the built emulator's -tls mode,
// trusting the certificate file it names, and checks HTTP/2.
func tlsThroughBinary(t *testing.T, bin string) {
	p := startProcess(t, bin, "-addr", "127.0.0.1:0", "-tls", "-control")
	url, key := readBanner(t, p.stdout)
	assert.True(t, strings.HasPrefix(url, "https://"), url)
	line, err := p.stdout.ReadString('\n')
	require.NoError(t, err)
	certFile, ok := strings.CutPrefix(strings.TrimSpace(line), "TLS certificate: ")
	require.True(t, ok, line)
	pemBytes, err := os.ReadFile(certFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))

	client, err := freddy.NewClient(freddy.WithBaseURL(url), freddy.WithAPIKey(key), freddy.WithRootCAs(pool))
	require.NoError(t, err)
	defer client.CloseIdleConnections()
	_, err = client.Configurations.Create(context.Background(), freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github", Name: "tls", Credentials: freddy.BearerCredentials("ghp_tls"),
	})
	require.NoError(t, err)

	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	status, body := plain(t, &http.Client{Transport: tr, Timeout: 10 * time.Second}, "GET", url+"/_freddytest/requests", "")
	require.Equal(t, 200, status)
	assert.Contains(t, body, `"proto":"HTTP/2.0"`)

	require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
	assert.Equal(t, 0, p.exitCode(t))
	_, err = os.Stat(certFile)
	assert.True(t, os.IsNotExist(err), "the temporary certificate is removed on exit")
}

func TestRunRefusesTestBenchFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-request-log", "-1"}, "-request-log must not be negative"},
		{[]string{"-idempotency-window", "0s"}, "-idempotency-window must be positive"},
		{[]string{"-tls-host", "x"}, "need -tls"},
		{[]string{"-addr", "0.0.0.0:0", "-allow-remote", "-control"}, "needs -allow-remote-control"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(context.Background(), tc.args, &stdout, &stderr), tc.args)
		assert.Contains(t, stderr.String(), tc.want)
	}
}

// readmeCurls returns the curl lines of docs/testing.md's control API example as
// method, path and body, with $E removed.
func readmeCurls(t *testing.T) [][3]string {
	t.Helper()
	b, err := os.ReadFile("../../docs/testing.md")
	require.NoError(t, err)
	var out [][3]string
	for _, line := range strings.Split(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, "curl -s ")
		if !ok {
			continue
		}
		rest, _, _ = strings.Cut(rest, "  #")
		method := "GET"
		if m, ok := strings.CutPrefix(rest, "-X "); ok {
			method, rest, _ = strings.Cut(m, " ")
		}
		target, body, _ := strings.Cut(strings.TrimSpace(rest), " -d ")
		out = append(out, [3]string{method, strings.TrimPrefix(target, "$E"), strings.Trim(body, "'")})
	}
	require.Len(t, out, strings.Count(string(b), "\ncurl -s "), "every curl line parsed")
	return out
}

// TestReadmeCurlsAgainstTheBinary sends docs/testing.md's curl examples, as
// written, to the emulator running as a process with -control and
// -no-idempotency.
func TestReadmeCurlsAgainstTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the emulator as a process")
	}
	p := startProcess(t, emulatorBinary(t), "-addr", "127.0.0.1:0", "-control", "-no-idempotency")
	url, key := readBanner(t, p.stdout)
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()

	create := `{"personalConnectorId":"pcon_github","name":"n","credentials":{"token":"ghp_readme_curl"}}`
	var id string
	for range 2 { // the same key twice: -no-idempotency stores two
		status, body := plain(t, hc, "POST", url+"/v1/personal-connectors/configurations", create, "X-API-Key", key, "Idempotency-Key", "same")
		require.Equal(t, 200, status, body)
		var created struct {
			Data struct{ ID string } `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &created))
		id = created.Data.ID
	}
	_, body := plain(t, hc, "GET", url+"/_freddytest/configurations", "")
	assert.Equal(t, 2, strings.Count(body, `"id":"pconf_`), body)

	for _, c := range readmeCurls(t) {
		path := strings.Replace(c[1], "pconf_…", id, 1)
		status, body := plain(t, hc, c[0], url+path, c[2])
		assert.Equal(t, 200, status, "%s %s %s: %s", c[0], c[1], c[2], body)
	}
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, 0, p.exitCode(t))
}
