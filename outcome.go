package freddy

import (
	"errors"
	"net/http"
)

// ErrOutcomeUnknown matches the error of a write (Create, Update,
// SetEnabled, Test, Delete) that failed after an attempt whose request was
// sent and whose answer was lost (the connection dropped or timed out, the
// body was cut short, the context ended while waiting for it), was a 5xx,
// or was a 2xx the SDK could not read (a [*DecodeError]: the server answered
// that it did something): the server may have acted on it. It is matched
// alongside the error's own sentinel (ErrServer, context.Canceled, …). A
// failure that does not match it was refused or never sent: nothing
// changed. Reads (Get, List) never match it.
//
// Create sends an Idempotency-Key, but the API reference does not document
// it: before creating again by hand after this error, look the
// configuration up by name (ListAll).
var ErrOutcomeUnknown = errors.New("freddy: outcome unknown: the server may have acted on the request")

// Is reports whether target is ErrOutcomeUnknown and e says so; the typed
// errors reach it through Unwrap.
func (e *APIError) Is(target error) bool { return target == ErrOutcomeUnknown && e.OutcomeUnknown }

// Is reports whether target is ErrOutcomeUnknown and e says so.
func (e *RequestError) Is(target error) bool { return target == ErrOutcomeUnknown && e.OutcomeUnknown }

// Is reports whether target is ErrOutcomeUnknown and e says so.
func (e *DecodeError) Is(target error) bool { return target == ErrOutcomeUnknown && e.OutcomeUnknown }

// outcomeUnknown reports whether a failed call was a write of which some
// attempt went out and got no answer, a 5xx, or a 2xx it could not read.
func (cl *call) outcomeUnknown() bool {
	return cl.op.method != http.MethodGet && (cl.lost || cl.serverFailed || cl.undecoded)
}

// markOutcomeUnknown sets OutcomeUnknown on the error a failed call returns.
func markOutcomeUnknown(err error) {
	var re *RequestError
	var ae *APIError
	var de *DecodeError
	switch {
	case errors.As(err, &re):
		re.OutcomeUnknown = true
	case errors.As(err, &ae):
		ae.OutcomeUnknown = true
	case errors.As(err, &de):
		de.OutcomeUnknown = true
	}
}
