package freddy

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aitronos/freddy-go/internal/errtext"
	"github.com/aitronos/freddy-go/internal/redact"
)

// Sentinel errors for quick checks with errors.Is. Each typed error below
// matches its sentinel by type, whatever its StatusCode, so a test double
// built by hand (&freddy.RateLimitError{RetryAfter: d}) matches too;
// errors.As gives the detail.
var (
	// ErrValidation matches [*ValidationError] (HTTP 400 and 422).
	ErrValidation = errors.New("freddy: validation error")
	// ErrUnauthorized matches [*AuthenticationError] (HTTP 401).
	ErrUnauthorized = errors.New("freddy: unauthorized")
	// ErrForbidden matches [*AuthorizationError] (HTTP 403).
	ErrForbidden = errors.New("freddy: forbidden")
	// ErrNotFound matches [*NotFoundError] (HTTP 404).
	ErrNotFound = errors.New("freddy: not found")
	// ErrConflict matches [*ConflictError] (HTTP 409).
	ErrConflict = errors.New("freddy: conflict")
	// ErrRateLimited matches [*RateLimitError] (HTTP 429).
	ErrRateLimited = errors.New("freddy: rate limited")
	// ErrServer matches [*ServerError] (HTTP 5xx).
	ErrServer = errors.New("freddy: server error")
	// ErrInvalidParams matches [*ParamError]: the call was refused before any
	// request left the process.
	ErrInvalidParams = errors.New("freddy: invalid params")
)

// APIError is an error response from the Freddy API. Every typed error below
// embeds it, so errors.As(err, &apiErr) with apiErr of type [*APIError] works
// on all of them; statuses without a typed error (410, 418, …) arrive as a
// plain [*APIError], which matches no sentinel.
//
// Both documented error bodies are read: the envelope
// {"success":false,"error":{code, message, system_message, type, status,
// trace_id, timestamp, details}} and the short {"error":{type, message,
// code}}. Text the server sent has the API key and the call's credential
// values removed.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the machine-readable code as the server spelled it, e.g.
	// "RATE_LIMIT_EXCEEDED" or "configuration_not_found"; empty when the
	// body was not an error body.
	Code string
	// Message is the human-readable message.
	Message string
	// SystemMessage is the server's technical detail.
	SystemMessage string
	// Type is the error family, e.g. "rate_limit_error".
	Type string
	// TraceID identifies the request in Freddy's logs: the body's trace_id,
	// else the x-request-id header.
	TraceID string
	// Timestamp is when the server produced the error; zero if not sent.
	Timestamp time.Time
	// Details holds extra fields such as the 429's retry_after.
	Details map[string]any
	// IdempotencyKey is the key a failed Create sent; empty for other
	// operations. Retrying later with WithIdempotencyKey(IdempotencyKey)
	// cannot create a duplicate.
	IdempotencyKey string
	// Attempts is the number of attempts the call sent, this one included
	// (0 for a response a middleware made up without calling next).
	Attempts int
	// Operation is the method that failed ("Create", "Test", …) and
	// ConfigurationID the id it acted on; both empty in an error built by
	// hand, and the id empty for Create and List.
	Operation, ConfigurationID string
	// OutcomeUnknown is set when the call was a write and an earlier
	// attempt's answer was lost or a 5xx, or this one is a 5xx: the server
	// may have acted. errors.Is(err, ErrOutcomeUnknown) reports it.
	OutcomeUnknown bool

	// snippet is the start of a body that was not an error body.
	snippet string
	// said, when set, is what the server said (writeSaid) scrubbed as a
	// whole, because its parts joined made a secret again (scrubSaid).
	said string
	// cause is what refused a request the SDK did not send (a Limiter's
	// error); nil for every error a server sent.
	cause error
}

// Error reads "freddy: Test pconf_abc123: 500 INTERNAL_SERVER_ERROR: … (3
// attempts, trace_id req_…)". The operation and id appear when known, the
// attempt count when there was more than one.
func (e *APIError) Error() string { return e.text("API error", 0) }

// Unwrap returns the cause of a refusal the SDK made without sending (a
// [Limiter]'s error, for a [*RateLimitError] with StatusCode 0), so that
// errors.Is and errors.As reach it; nil for an error a server sent.
func (e *APIError) Unwrap() error { return e.cause }

// text builds every API error message: kind names a hand-built error that
// has neither status nor code, and retryAfter > 0 is stated in the tail.
func (e *APIError) text(kind string, retryAfter time.Duration) string {
	var b strings.Builder
	b.WriteString("freddy: ")
	writeOperation(&b, e.Operation, e.ConfigurationID)
	if e.said != "" {
		b.WriteString(e.said)
	} else {
		e.writeSaid(&b, kind)
	}
	writeTail(&b, retryAfter, e.Attempts, e.TraceID)
	return b.String()
}

// writeSaid writes what the server said: "409 CODE: message [field:
// reason; …]", or the status and the start of a body that was no error body.
func (e *APIError) writeSaid(b *strings.Builder, kind string) {
	label := e.Code
	if label == "" {
		label = http.StatusText(e.StatusCode)
	}
	if e.StatusCode != 0 {
		b.WriteString(strconv.Itoa(e.StatusCode))
		b.WriteByte(' ')
	} else if label == "" {
		label = kind
	}
	b.WriteString(errtext.OneLine(label))
	msg := e.Message
	if msg == "" {
		msg = e.SystemMessage
	}
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(errtext.OneLine(msg))
	}
	writeFields(b, e.Details)
	if e.snippet != "" {
		b.WriteString(": unexpected response body ")
		b.WriteString(strconv.Quote(e.snippet))
	}
}

// scrubSaid keeps a secret the server cut into pieces out of the message:
// each part was scrubbed on its own, but the message joins them (code and
// message with ": ", refused fields with "; " and ": "), so pieces shorter
// than a window each can make one again. When the joined text scrubs to
// something else, that is what the message shows.
func (e *APIError) scrubSaid(scrub *redact.Scrubber) {
	var b strings.Builder
	e.writeSaid(&b, "")
	if s := scrub.String(b.String()); s != b.String() {
		e.said = s
	}
}

// writeOperation starts a message with "Test pconf_abc123: ", when the
// operation is known.
func writeOperation(b *strings.Builder, operation, id string) {
	if operation == "" {
		return
	}
	b.WriteString(operation)
	if id != "" {
		b.WriteByte(' ')
		b.WriteString(id)
	}
	b.WriteString(": ")
}

// writeTail ends every message built from a response:
// " (retry after 1m0s, 3 attempts, trace_id req_…)", each part only when
// known, the attempts only when more than one.
func writeTail(b *strings.Builder, retryAfter time.Duration, attempts int, traceID string) {
	var tail []string
	if retryAfter > 0 {
		tail = append(tail, "retry after "+retryAfter.String())
	}
	if attempts > 1 {
		tail = append(tail, strconv.Itoa(attempts)+" attempts")
	}
	if traceID != "" {
		tail = append(tail, "trace_id "+errtext.OneLine(traceID))
	}
	if len(tail) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(tail, ", "))
		b.WriteByte(')')
	}
}

// maxFieldsShown keeps a long list of refused fields from flooding a log
// line; Details holds them all.
const maxFieldsShown = 5

// writeFields names the fields a validation error's details.fields refused,
// "[name: must be a string; after: …]", sorted, so that the message alone
// says what to fix.
func writeFields(b *strings.Builder, details map[string]any) {
	fields := refusedFields(details)
	if len(fields) == 0 {
		return
	}
	b.WriteString(" [")
	for i, f := range fields {
		if i == maxFieldsShown {
			b.WriteString("; …")
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(errtext.OneLine(f.Field))
		if f.Reason != "" {
			b.WriteString(": ")
			b.WriteString(errtext.OneLine(f.Reason))
		}
	}
	b.WriteByte(']')
}

// ValidationError is a 400 or 422: the server rejected the request, e.g.
// VALIDATION_ERROR or invalid_credentials.
type ValidationError struct{ APIError }

// Error reads like [APIError.Error].
func (e *ValidationError) Error() string { return e.text("validation error", 0) }

// Is reports target == [ErrValidation].
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// Unwrap returns the embedded [*APIError].
func (e *ValidationError) Unwrap() error { return &e.APIError }

// AuthenticationError is a 401 (UNAUTHORIZED, invalid_api_key, …): the API
// key is missing, wrong or expired.
type AuthenticationError struct{ APIError }

// Error reads like [APIError.Error].
func (e *AuthenticationError) Error() string { return e.text("unauthorized", 0) }

// Is reports target == [ErrUnauthorized].
func (e *AuthenticationError) Is(target error) bool { return target == ErrUnauthorized }

// Unwrap returns the embedded [*APIError].
func (e *AuthenticationError) Unwrap() error { return &e.APIError }

// AuthorizationError is a 403 (FORBIDDEN, insufficient_permissions, …): the
// key is valid but may not do this.
type AuthorizationError struct{ APIError }

// Error reads like [APIError.Error].
func (e *AuthorizationError) Error() string { return e.text("forbidden", 0) }

// Is reports target == [ErrForbidden].
func (e *AuthorizationError) Is(target error) bool { return target == ErrForbidden }

// Unwrap returns the embedded [*APIError].
func (e *AuthorizationError) Unwrap() error { return &e.APIError }

// NotFoundError is a 404: the configuration does not exist (or no longer
// does).
type NotFoundError struct{ APIError }

// Error reads like [APIError.Error].
func (e *NotFoundError) Error() string { return e.text("not found", 0) }

// Is reports target == [ErrNotFound].
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Unwrap returns the embedded [*APIError].
func (e *NotFoundError) Unwrap() error { return &e.APIError }

// ConflictError is a 409, e.g. IDEMPOTENCY_KEY_REUSED: an Idempotency-Key
// sent again with a different body.
type ConflictError struct{ APIError }

// Error reads like [APIError.Error].
func (e *ConflictError) Error() string { return e.text("conflict", 0) }

// Is reports target == [ErrConflict].
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Unwrap returns the embedded [*APIError].
func (e *ConflictError) Unwrap() error { return &e.APIError }

// ServerError is a 5xx, including a proxy's non-JSON 502.
type ServerError struct {
	APIError
	// RetryAfter is the response's Retry-After header (a 503 often sends
	// one); 0 when absent. The SDK waits for it before retrying when it fits
	// WithMaxRetryWait and the context deadline.
	RetryAfter time.Duration
}

// Error reads like [APIError.Error], with the Retry-After when there was one.
func (e *ServerError) Error() string { return e.text("server error", e.RetryAfter) }

// Is reports target == [ErrServer].
func (e *ServerError) Is(target error) bool { return target == ErrServer }

// Unwrap returns the embedded [*APIError].
func (e *ServerError) Unwrap() error { return &e.APIError }

// RateLimitError is a 429. The SDK retries it after RetryAfter when the wait
// fits [WithMaxRetryWait] and the context deadline; otherwise it returns it at
// once so the caller can schedule the retry. It is also the refusal of a
// call the Client's rate-limit pacing did not send, because its turn in the
// window came after the context deadline or further away than
// [WithMaxRetryWait], and of one a [Limiter] refused (its error, or a wait
// that reached the max retry wait or the deadline): StatusCode is then 0,
// RetryAfter is the wait when known, the message says "request not sent",
// and errors.Is and errors.As reach the Limiter's error through it.
type RateLimitError struct {
	APIError
	// RetryAfter is the longer of the body's details.retry_after and the
	// Retry-After header; 0 when the server gave neither.
	RetryAfter time.Duration
	// Limit is the request limit of the window; 0 when not reported.
	Limit int
	// Remaining is the requests left in the window; 0 when not reported.
	Remaining int
	// ResetAt is when the window resets; zero when not reported.
	ResetAt time.Time

	// window is the body's details.retry_after alone: window information,
	// which the Retry-After header is not (see sightingOf).
	window time.Duration
}

// Error reads "freddy: 429 RATE_LIMIT_EXCEEDED: … (retry after 1m0s,
// trace_id req_…)".
func (e *RateLimitError) Error() string { return e.text("rate limited", e.RetryAfter) }

// Is reports target == [ErrRateLimited].
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// Unwrap returns the embedded [*APIError].
func (e *RateLimitError) Unwrap() error { return &e.APIError }
