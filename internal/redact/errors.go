package redact

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"
	"time"
)

// Error returns err fit to show: no text in it, nor in any error its chain
// reaches, holds a secret s knows. The query and user info of a URL net/http
// names (a redirect target's query may hold a token) are dropped. When no
// text of the chain needs scrubbing, the chain is kept whole for errors.Is
// and errors.As. When one does, the chain is cut: the error shows the
// scrubbed text and keeps only causes that carry no text of their own
// (context errors, io errors, errno values), so that errors.As cannot dig a
// secret out. A nil err is returned as nil.
func (s *Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && (u.RawQuery != "" || u.User != nil) {
			u.RawQuery, u.User = "", nil
			err = &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	if !s.dirty(err) {
		return err
	}
	return &scrubbedError{msg: s.String(err.Error()), causes: textlessCauses(err), timeout: isTimeout(err)}
}

// dirty reports whether the text of err or of any error its chain reaches
// would change under s.
func (s *Scrubber) dirty(err error) bool {
	if err == nil {
		return false
	}
	if msg := err.Error(); s.String(msg) != msg {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return s.dirty(u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if s.dirty(e) {
				return true
			}
		}
	}
	return false
}

// textlessCauses are the causes of err a caller may test for and that hold
// no server or caller text.
func textlessCauses(err error) []error {
	var out []error
	for _, sentinel := range []error{context.Canceled, context.DeadlineExceeded, io.EOF, io.ErrUnexpectedEOF, net.ErrClosed} {
		if errors.Is(err, sentinel) {
			out = append(out, sentinel)
		}
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		out = append(out, errno)
	}
	return out
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// scrubbedError is an error whose text had a secret in it: it shows the
// scrubbed text and unwraps only to textless causes.
type scrubbedError struct {
	msg     string
	causes  []error
	timeout bool
}

func (e *scrubbedError) Error() string   { return e.msg }
func (e *scrubbedError) Unwrap() []error { return e.causes }

// Timeout reports whether the original error was a timeout, for callers
// that check with errors.As and an interface{ Timeout() bool } or net.Error.
func (e *scrubbedError) Timeout() bool { return e.timeout }

// Temporary reports the same as Timeout; with it a scrubbedError is a
// net.Error, as the error it replaces may have been.
func (e *scrubbedError) Temporary() bool { return e.timeout }

// The two functions below are the SDK's rule for an error whose text no
// Scrubber can clean because the secret in it is not known (the caller's
// own values) or is escaped past recognition: keep only what names
// positions, kinds and field names.

// DecodeCause keeps a JSON decoding error that names only positions, kinds
// and field names, and replaces one that quotes a value from the body: a
// time.ParseError holds the value raw in its fields (and \x-escaped in its
// text, which no scrubber would recognise), so it must not be kept.
func DecodeCause(err error) error {
	var typeErr *json.UnmarshalTypeError
	var timeErr *time.ParseError
	switch {
	case errors.As(err, &typeErr):
		return typeErr
	case errors.As(err, &timeErr):
		return errors.New("a time is not in RFC 3339 format")
	}
	return errors.New("a value cannot be decoded")
}

// EncodeReason says why a value could not be JSON-encoded without quoting
// it: encoding/json's message may hold the value itself (an invalid
// json.Number quotes it whole).
func EncodeReason(err error) string {
	var typeErr *json.UnsupportedTypeError
	var valueErr *json.UnsupportedValueError
	switch {
	case errors.As(err, &typeErr):
		return "cannot be encoded as JSON: " + typeErr.Error()
	case errors.As(err, &valueErr):
		return "cannot be encoded as JSON: a NaN, an infinity or a cycle"
	}
	return "cannot be encoded as JSON (an invalid json.Number, or a MarshalJSON that failed)"
}
