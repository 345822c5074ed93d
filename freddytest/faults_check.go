package freddytest

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// faultMethods are the methods a Fault may name: net/http's.
var faultMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace}

// checkFault is the one validation of a Fault, for Inject and the control
// API: it returns the field at fault, as the control API spells it, and
// why, or "" when f can be queued.
func checkFault(f Fault) (field, reason string) {
	switch {
	case f.Method != "" && !containsFold(faultMethods, f.Method):
		return "method", quote(f.Method) + " is not an HTTP method (GET, POST, PATCH, DELETE, …)"
	case !validTemplate(f.Path):
		return "path", quote(f.Path) + ` is not a route template, which starts with "/": "/", "/{id}", "/{id}/toggle", "/{id}/test"`
	case f.Skip < 0:
		return "skip", "must not be negative"
	case f.Delay < 0:
		return "delay", "must not be negative"
	case f.RetryAfter < 0:
		return "retryAfter", "must not be negative"
	}
	return "", ""
}

// Validate reports why Inject would refuse f: a Method that is not an HTTP
// method, a Path that is not a route template, a negative Skip, Delay or
// RetryAfter. It returns nil for a fault Inject queues.
func (f Fault) Validate() error {
	if field, reason := checkFault(f); field != "" {
		return errors.New("freddytest: Fault." + strings.ToUpper(field[:1]) + field[1:] + ": " + reason)
	}
	return nil
}

// reportInvalid returns the first invalid fault's error, naming its index,
// or nil, and reports it to the test that started s (Start, StartTLS).
func (s *Server) reportInvalid(faults []Fault) error {
	for i, f := range faults {
		if err := f.Validate(); err != nil {
			err = errors.New("freddytest: Inject: faults[" + itoa(i) + "]: " + strings.TrimPrefix(err.Error(), "freddytest: "))
			if s.tb != nil {
				s.tb.Helper()
				s.tb.Errorf("%v; no fault of this call was queued", err)
			}
			return err
		}
	}
	return nil
}

// attach makes s report to tb what it cannot return: an invalid Inject,
// and now the WithTLS hosts left out of the certificate.
func (s *Server) attach(tb testing.TB) {
	tb.Helper()
	s.tb = tb
	for _, err := range s.tlsHostErrs {
		tb.Errorf("%v; left out of the certificate", err)
	}
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}
