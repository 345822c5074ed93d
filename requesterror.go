package freddy

import (
	"strconv"
	"strings"

	"github.com/aitronos/freddy-go/internal/redact"
)

// The errors of a call that did not end in an API error body: params refused
// before sending ([ParamError]), a 2xx body that could not be decoded
// ([DecodeError]), and a call that got no response to show ([RequestError]).

// ParamError reports params refused before any request was sent. It matches
// ErrInvalidParams.
type ParamError struct {
	// Field is the JSON name of the offending field, e.g.
	// "personalConnectorId", or "id" for a configuration ID.
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error reads "freddy: invalid params: name is required".
func (e *ParamError) Error() string {
	return "freddy: invalid params: " + e.Field + " " + e.Reason
}

// scrubbed is e fit to show: a value the caller gave (a header name) is
// quoted in it, and may be the API key or a credential. The field keeps
// naming what was refused; the reason goes when the two joined still hold
// a secret. e itself when nothing needs scrubbing.
func (e *ParamError) scrubbed(s *redact.Scrubber) *ParamError {
	if msg := e.Error(); s.String(msg) == msg {
		return e
	}
	out := &ParamError{Field: s.String(e.Field), Reason: s.String(e.Reason)}
	if msg := out.Error(); s.String(msg) != msg {
		out.Reason = redact.Marker
	}
	return out
}

// Is reports target == [ErrInvalidParams].
func (e *ParamError) Is(target error) bool { return target == ErrInvalidParams }

// DecodeError reports a 2xx response whose body is none of the documented
// shapes. The server answered a success: a write (Create, Update,
// SetEnabled, Test, Delete) may have acted, so its DecodeError has
// OutcomeUnknown set and matches [ErrOutcomeUnknown]; look the
// configuration up before writing again.
type DecodeError struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Reason says what was wrong with the body.
	Reason string
	// TraceID is the response's x-request-id header, if any.
	TraceID string
	// IdempotencyKey is the key a Create sent; empty for other operations.
	IdempotencyKey string
	// Attempts is the number of attempts the call sent, this one included.
	Attempts int
	// Err is the JSON error, if any.
	Err error
	// OutcomeUnknown is set when the call was a write: the server answered
	// a success the SDK could not read, and may have acted.
	// errors.Is(err, ErrOutcomeUnknown) reports it.
	OutcomeUnknown bool
	// Operation is the method that failed ("Create", "Test", …) and
	// ConfigurationID the id it acted on; both empty in an error built by
	// hand, and the id empty for Create and List.
	Operation, ConfigurationID string

	snippet string
}

// Error reads "freddy: Get pconf_1: 200 response is not valid JSON: <json
// error>: body "…" (3 attempts, trace_id …)".
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("freddy: ")
	writeOperation(&b, e.Operation, e.ConfigurationID)
	if e.StatusCode != 0 {
		b.WriteString(strconv.Itoa(e.StatusCode))
		b.WriteByte(' ')
	}
	if e.Reason == "" {
		b.WriteString("response could not be decoded")
	}
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.snippet != "" {
		b.WriteString(": body ")
		b.WriteString(strconv.Quote(e.snippet))
	}
	writeTail(&b, 0, e.Attempts, e.TraceID)
	return b.String()
}

// Unwrap returns the JSON error, if any.
func (e *DecodeError) Unwrap() error { return e.Err }

// RequestError reports a call that ended without an API response to show
// for it: no attempt could be sent (the context had already ended), the
// connection failed on every attempt, the response could not be read, or the
// caller's context ended during an attempt or while waiting to retry.
//
// errors.Is(err, context.Canceled) and errors.Is(err,
// context.DeadlineExceeded) see through it to Err. The API error of an
// earlier attempt is kept in LastAPIError but is not in the chain: a call the
// caller cancelled is not a rate-limit error, even if its last response was
// a 429.
type RequestError struct {
	// Attempts is the number of attempts sent; 0 when none was.
	Attempts int
	// IdempotencyKey is the key every attempt of a Create sent; empty for
	// other operations. Retrying later with
	// WithIdempotencyKey(IdempotencyKey) cannot create a duplicate.
	IdempotencyKey string
	// Err is the cause: a transport error or the context's error.
	Err error
	// LastAPIError is the API error of an earlier attempt when the context
	// ended the call after it; nil otherwise.
	LastAPIError error
	// Operation is the method that failed ("Create", "Test", …) and
	// ConfigurationID the id it acted on; both empty in an error built by
	// hand, and the id empty for Create and List.
	Operation, ConfigurationID string
	// OutcomeUnknown is set when the call was a write and an attempt went
	// out without an answer, or got a 5xx: the server may have acted.
	// errors.Is(err, ErrOutcomeUnknown) reports it.
	OutcomeUnknown bool
	// waiting is set when the context ended during the wait before a retry.
	waiting bool
}

// Error reads "freddy: Create: request failed after 3 attempts: <cause>", or
// "freddy: Get pconf_1: request not sent: context canceled", and, when the
// context ended the call after an API error, "; last response: <that
// error>".
func (e *RequestError) Error() string {
	var b strings.Builder
	b.WriteString("freddy: ")
	writeOperation(&b, e.Operation, e.ConfigurationID)
	if e.Attempts == 0 {
		b.WriteString("request not sent")
	} else {
		b.WriteString("request failed after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		if e.Attempts == 1 {
			b.WriteString(" attempt")
		} else {
			b.WriteString(" attempts")
		}
	}
	if e.waiting {
		b.WriteString(" (while waiting to retry)")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.LastAPIError != nil {
		b.WriteString("; last response: ")
		b.WriteString(strings.TrimPrefix(e.LastAPIError.Error(), "freddy: "))
	}
	return b.String()
}

// Unwrap returns Err, and only Err.
func (e *RequestError) Unwrap() error { return e.Err }
