package main

import (
	"flag"
	"os"
	"strings"
	"time"

	"github.com/aitronos/freddy-go/freddytest"
)

// extraFlags are the test-bench flags: control API, TLS, memory bounds and
// idempotency.
type extraFlags struct {
	control, remoteControl bool
	tls                    bool
	tlsHosts, tlsCert      string
	requestLog             int
	idemWindow             time.Duration
	noIdempotency          bool
}

func bindExtraFlags(fs *flag.FlagSet) *extraFlags {
	e := &extraFlags{}
	fs.BoolVar(&e.control, "control", false, "serve the control API under /_freddytest/ (loopback peers only)")
	fs.BoolVar(&e.remoteControl, "allow-remote-control", false, "serve the control API to any peer; needed for -control on a non-loopback -addr")
	fs.BoolVar(&e.tls, "tls", false, "serve HTTPS (HTTP/2 on) with a self-signed certificate")
	fs.StringVar(&e.tlsHosts, "tls-host", "", "comma-separated extra `names` or IPs for the certificate, e.g. a docker-compose service name")
	fs.StringVar(&e.tlsCert, "tls-cert", "", "`file` to write the certificate to (PEM); default a temporary file")
	fs.IntVar(&e.requestLog, "request-log", freddytest.DefaultRequestLog, "requests kept for the control API's listing; 0 keeps none")
	fs.DurationVar(&e.idemWindow, "idempotency-window", freddytest.DefaultIdempotencyWindow, "how long an Idempotency-Key is remembered")
	fs.BoolVar(&e.noIdempotency, "no-idempotency", false, "ignore Idempotency-Key, as a server that does not implement it")
	return e
}

// checkFlags returns why the main flags cannot be used, or "".
func checkFlags(apiKey string, rateLimit int, rateWindow time.Duration) string {
	switch {
	case apiKey == "":
		return "-api-key must not be empty"
	case rateLimit < 0:
		return "-rate-limit must not be negative (0 means the default)"
	case rateWindow <= 0:
		return "-rate-window must be positive"
	}
	return ""
}

// check returns why the flags cannot be used with addr, or "".
func (e *extraFlags) check(addr string) string {
	for _, h := range e.hosts() {
		if err := freddytest.CheckTLSHost(h); err != nil {
			return "-tls-host: " + strings.TrimPrefix(err.Error(), "freddytest: ")
		}
	}
	switch {
	case e.requestLog < 0:
		return "-request-log must not be negative"
	case e.idemWindow <= 0:
		return "-idempotency-window must be positive"
	case (e.tlsHosts != "" || e.tlsCert != "") && !e.tls:
		return "-tls-host and -tls-cert need -tls"
	case e.control && !e.remoteControl && !isLoopback(addr):
		return "-control on the non-loopback address " + addr + " needs -allow-remote-control: anyone who reaches it could change what the emulator answers"
	}
	return ""
}

func (e *extraFlags) options() []freddytest.Option {
	opts := []freddytest.Option{freddytest.WithRequestLog(e.requestLog), freddytest.WithIdempotencyWindow(e.idemWindow)}
	switch {
	case e.remoteControl:
		opts = append(opts, freddytest.WithRemoteControlAPI())
	case e.control:
		opts = append(opts, freddytest.WithControlAPI())
	}
	if e.tls {
		opts = append(opts, freddytest.WithTLS(e.hosts()...))
	}
	if e.noIdempotency {
		opts = append(opts, freddytest.WithoutIdempotency())
	}
	return opts
}

// hosts returns the names of -tls-host, an empty one for an empty item
// between commas so that check refuses it.
func (e *extraFlags) hosts() []string {
	if strings.TrimSpace(e.tlsHosts) == "" {
		return nil
	}
	var hosts []string
	for _, h := range strings.Split(e.tlsHosts, ",") {
		hosts = append(hosts, strings.TrimSpace(h))
	}
	return hosts
}

// writeCert writes pem to -tls-cert, or to a new temporary file that
// cleanup removes.
func (e *extraFlags) writeCert(pem []byte) (path string, cleanup func(), err error) {
	if e.tlsCert != "" {
		return e.tlsCert, func() {}, os.WriteFile(e.tlsCert, pem, 0o644)
	}
	f, err := os.CreateTemp("", "freddy-emulator-*.pem")
	if err != nil {
		return "", nil, err
	}
	_, err = f.Write(pem)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), func() { _ = os.Remove(f.Name()) }, err
}
