package retry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// Permanent marks an error that retrying cannot fix (a refused redirect, a
// response over the size limit). Errors that wrap a *Permanent are never
// retried.
type Permanent struct{ Err error }

// Error returns the wrapped error's text.
func (p *Permanent) Error() string { return p.Err.Error() }

// Unwrap returns the wrapped error.
func (p *Permanent) Unwrap() error { return p.Err }

// RetryableStatus reports the statuses worth another attempt: 429 and the
// transient 5xx. 501 Not Implemented and other 4xx will answer the same again.
func RetryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// RetryableTransport reports whether a failure to get a response (or to read
// its body) is worth another attempt. Connection refused, reset, EOF and a
// per-attempt timeout are; certificate errors, redirect trouble, malformed
// requests and Permanent errors are not. The caller's own cancellation is
// judged by the caller, who holds the context.
func RetryableTransport(err error) bool {
	if err == nil {
		return false
	}
	var (
		perm     *Permanent
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
		verify   *tls.CertificateVerificationError
	)
	if errors.As(err, &perm) || errors.As(err, &unknown) || errors.As(err, &invalid) ||
		errors.As(err, &hostname) || errors.As(err, &verify) {
		return false
	}
	// net/http reports these only as text. The text of a *url.Error starts
	// with the request's URL, which a configuration ID can put any word in,
	// so only the cause's text is read.
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		msg = ue.Err.Error()
	}
	for _, s := range []string{"stopped after", "unsupported protocol scheme", "invalid header", "certificate"} {
		if strings.Contains(msg, s) {
			return false
		}
	}
	return true
}
