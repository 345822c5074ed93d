// Command freddy-emulator serves the in-memory Freddy API of package
// freddytest, for integration tests written in other languages.
//
//	go build -o freddy-emulator ./cmd/freddy-emulator   # or: go install github.com/aitronos/freddy-go/cmd/freddy-emulator@latest
//	freddy-emulator [-addr 127.0.0.1:12111] [-api-key KEY] [-rate-limit N -rate-window 1m] [-allow-remote]
//	                [-control] [-allow-remote-control] [-tls] [-tls-host NAME,…] [-tls-cert FILE]
//	                [-request-log 1000] [-idempotency-window 24h] [-no-idempotency]
//
// On start it prints two lines to stdout,
//
//	freddy emulator listening on http://127.0.0.1:12111
//	API key: fk_test_0123456789abcdef
//
// (with -tls a third, "TLS certificate: FILE", naming the PEM file of its
// self-signed certificate), then serves until SIGINT or SIGTERM, closes
// gracefully and exits 0. With -addr ending in :0 the first line names the
// port the system chose. An -addr on every interface (0.0.0.0, [::], with
// -allow-remote) is printed with the loopback address of its family
// (127.0.0.1, [::1]), a host this machine can dial and, with -tls, verify
// against the written certificate, which names it; other machines use the
// host's own name or IP (give it to -tls-host). Run it as a built binary from scripts: a "go run"
// parent does not pass SIGTERM on to the program it runs.
//
// It listens only on loopback addresses (127.0.0.0/8, ::1, localhost)
// unless -allow-remote is given: the emulator accepts a published key and
// stores whatever it is sent. A non-loopback -addr without -allow-remote
// exits 2. Bad flags (an empty -api-key, a negative -rate-limit or
// -request-log, a -rate-window or -idempotency-window not positive, a
// -tls-host item that is not a host name or IP) exit 2, each named; failing to listen or to write the -tls-cert
// file exits 1, before the banner is printed.
//
// -control serves the control API under /_freddytest/ (inject faults, list
// received requests with secrets redacted, list and reset configurations,
// set health; see freddytest.WithControlAPI). It answers loopback peers
// only; -allow-remote-control (which implies -control) lifts that and is
// required for -control on a non-loopback -addr.
//
// -tls serves HTTPS with HTTP/2 and a self-signed certificate for
// localhost, the loopback IPs, the -addr host and each -tls-host, written
// to -tls-cert (by default a new file in the temporary directory, removed
// on exit).
//
// To make a configuration's health check unhealthy, create it with a
// credential value containing "invalid", e.g. {"token":"ghp_INVALIDTOKEN"}. The API itself is
// described by go doc github.com/aitronos/freddy-go/freddytest.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aitronos/freddy-go/freddytest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run serves until ctx ends and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("freddy-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:12111", "`host:port` to listen on; :0 picks a free port")
	allowRemote := fs.Bool("allow-remote", false, "allow a non-loopback -addr")
	apiKey := fs.String("api-key", freddytest.DefaultAPIKey, "the API key to accept")
	rateLimit := fs.Int("rate-limit", 0, "requests allowed per key and window; 0 means freddytest.DefaultRateLimit (1000000)")
	rateWindow := fs.Duration("rate-window", time.Minute, "the rate-limit window")
	ext := bindExtraFlags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "freddy-emulator: unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return 2
	}
	if msg := checkFlags(*apiKey, *rateLimit, *rateWindow); msg != "" {
		fmt.Fprintln(stderr, "freddy-emulator: "+msg)
		return 2
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		fmt.Fprintf(stderr, "freddy-emulator: -addr %s: want host:port, e.g. 127.0.0.1:12111\n", *addr)
		return 2
	}
	if !*allowRemote && !isLoopback(*addr) {
		fmt.Fprintf(stderr, "freddy-emulator: -addr %s is not a loopback address; pass -allow-remote to listen on it\n", *addr)
		return 2
	}
	if msg := ext.check(*addr); msg != "" {
		fmt.Fprintln(stderr, "freddy-emulator: "+msg)
		return 2
	}
	l, err := net.Listen(network(*addr), *addr)
	if err != nil {
		fmt.Fprintf(stderr, "freddy-emulator: %v\n", err)
		return 1
	}
	srv := freddytest.NewServer(append(ext.options(), freddytest.WithListener(l), freddytest.WithAPIKeys(*apiKey),
		freddytest.WithRateLimit(*rateLimit, *rateWindow))...)
	defer srv.Close()
	// Everything that can fail happens before the banner: a script that
	// reads the banner may take it as ready.
	certPath := ""
	if ext.tls {
		path, cleanup, err := ext.writeCert(srv.CertificatePEM())
		if err != nil {
			fmt.Fprintf(stderr, "freddy-emulator: -tls-cert: writing the TLS certificate: %v\n", err)
			return 1
		}
		defer cleanup()
		certPath = path
	}
	fmt.Fprintf(stdout, "freddy emulator listening on %s\nAPI key: %s\n", srv.URL, srv.APIKey)
	if certPath != "" {
		fmt.Fprintf(stdout, "TLS certificate: %s\n", certPath)
	}
	<-ctx.Done()
	return 0
}

// network keeps an IPv4 address IPv4: "tcp" would listen on 0.0.0.0 as the
// dual-stack [::] and the banner would show that instead of what was asked.
func network(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err == nil && ip != nil && ip.To4() != nil {
		return "tcp4"
	}
	return "tcp"
}

// isLoopback reports whether addr's host is localhost or a loopback IP. An
// empty host listens on every interface, and other names could resolve
// anywhere: neither is loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
