package freddy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"

	"github.com/aitronos/freddy-go/internal/redact"
)

// scrubbed returns err fit to show: no text in it, nor in any error its chain
// reaches, holds a secret. The query and user info of a URL net/http names (a
// redirect target's query may hold a token) are dropped. When no text of the
// chain needs scrubbing, the chain is kept whole for errors.Is and errors.As.
// When one does, the chain is cut: the error shows the scrubbed text and
// keeps only causes that carry no text of their own (context errors, io
// errors, errno values), so that errors.As cannot dig a secret out.
func (cl *call) scrubbed(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && (u.RawQuery != "" || u.User != nil) {
			u.RawQuery, u.User = "", nil
			err = &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	scrub := cl.scrubber()
	if !dirty(err, scrub) {
		return err
	}
	return &scrubbedError{msg: scrub.String(err.Error()), causes: textlessCauses(err), timeout: isTimeout(err)}
}

// dirty reports whether the text of err or of any error its chain reaches
// would change under scrub.
func dirty(err error, scrub *redact.Scrubber) bool {
	if err == nil {
		return false
	}
	if msg := err.Error(); scrub.String(msg) != msg {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return dirty(u.Unwrap(), scrub)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if dirty(e, scrub) {
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
