package freddy

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aitronos/freddy-go/internal/redact"
	"github.com/aitronos/freddy-go/internal/retry"
)

// Sentinel errors for quick checks with errors.Is. Each typed error below
// matches its sentinel by type, whatever its StatusCode, so a test double
// built by hand (&freddy.RateLimitError{RetryAfter: d}) matches too;
// errors.As gives the detail.
var (
	// ErrValidation matches *ValidationError (HTTP 400 and 422).
	ErrValidation = errors.New("freddy: validation error")
	// ErrUnauthorized matches *AuthenticationError (HTTP 401).
	ErrUnauthorized = errors.New("freddy: unauthorized")
	// ErrForbidden matches *AuthorizationError (HTTP 403).
	ErrForbidden = errors.New("freddy: forbidden")
	// ErrNotFound matches *NotFoundError (HTTP 404).
	ErrNotFound = errors.New("freddy: not found")
	// ErrConflict matches *ConflictError (HTTP 409).
	ErrConflict = errors.New("freddy: conflict")
	// ErrRateLimited matches *RateLimitError (HTTP 429).
	ErrRateLimited = errors.New("freddy: rate limited")
	// ErrServer matches *ServerError (HTTP 5xx).
	ErrServer = errors.New("freddy: server error")
	// ErrInvalidParams matches *ParamError: the call was refused before any
	// request left the process.
	ErrInvalidParams = errors.New("freddy: invalid params")
)

// APIError is an error response from the Freddy API. Every typed error below
// embeds it, so errors.As(err, &apiErr) with apiErr of type *APIError works
// on all of them; statuses without a typed error (410, 418, …) arrive as a
// plain *APIError, which matches no sentinel.
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
	// Attempts is the number of attempts the call made, this one included.
	Attempts int

	// snippet is the start of a body that was not an error body.
	snippet string
}

// Error reads "freddy: 429 RATE_LIMIT_EXCEEDED: Too many requests. … (3
// attempts, trace_id req_…)". The attempt count appears when there was more
// than one.
func (e *APIError) Error() string { return e.text("API error", 0) }

// text builds every API error message: kind names a hand-built error that
// has neither status nor code, and retryAfter > 0 is stated in the tail.
func (e *APIError) text(kind string, retryAfter time.Duration) string {
	var b strings.Builder
	b.WriteString("freddy: ")
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
	b.WriteString(label)
	msg := e.Message
	if msg == "" {
		msg = e.SystemMessage
	}
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	writeFields(&b, e.Details)
	if e.snippet != "" {
		b.WriteString(": unexpected response body ")
		b.WriteString(strconv.Quote(e.snippet))
	}
	writeTail(&b, retryAfter, e.Attempts, e.TraceID)
	return b.String()
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
		tail = append(tail, "trace_id "+traceID)
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
	fields, ok := details["fields"].(map[string]any)
	if !ok || len(fields) == 0 {
		return
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	b.WriteString(" [")
	for i, k := range names {
		if i == maxFieldsShown {
			b.WriteString("; …")
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k)
		if reason, ok := fields[k].(string); ok && reason != "" {
			b.WriteString(": ")
			b.WriteString(reason)
		}
	}
	b.WriteByte(']')
}

// ValidationError is a 400 or 422: the server rejected the request, e.g.
// VALIDATION_ERROR or invalid_credentials.
type ValidationError struct{ APIError }

// Error reads like APIError.Error.
func (e *ValidationError) Error() string { return e.text("validation error", 0) }

// Is reports target == ErrValidation.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// Unwrap returns the embedded *APIError.
func (e *ValidationError) Unwrap() error { return &e.APIError }

// AuthenticationError is a 401 (UNAUTHORIZED, invalid_api_key, …): the API
// key is missing, wrong or expired.
type AuthenticationError struct{ APIError }

// Error reads like APIError.Error.
func (e *AuthenticationError) Error() string { return e.text("unauthorized", 0) }

// Is reports target == ErrUnauthorized.
func (e *AuthenticationError) Is(target error) bool { return target == ErrUnauthorized }

// Unwrap returns the embedded *APIError.
func (e *AuthenticationError) Unwrap() error { return &e.APIError }

// AuthorizationError is a 403 (FORBIDDEN, insufficient_permissions, …): the
// key is valid but may not do this.
type AuthorizationError struct{ APIError }

// Error reads like APIError.Error.
func (e *AuthorizationError) Error() string { return e.text("forbidden", 0) }

// Is reports target == ErrForbidden.
func (e *AuthorizationError) Is(target error) bool { return target == ErrForbidden }

// Unwrap returns the embedded *APIError.
func (e *AuthorizationError) Unwrap() error { return &e.APIError }

// NotFoundError is a 404: the configuration does not exist (or no longer
// does).
type NotFoundError struct{ APIError }

// Error reads like APIError.Error.
func (e *NotFoundError) Error() string { return e.text("not found", 0) }

// Is reports target == ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Unwrap returns the embedded *APIError.
func (e *NotFoundError) Unwrap() error { return &e.APIError }

// ConflictError is a 409, e.g. IDEMPOTENCY_KEY_REUSED: an Idempotency-Key
// sent again with a different body.
type ConflictError struct{ APIError }

// Error reads like APIError.Error.
func (e *ConflictError) Error() string { return e.text("conflict", 0) }

// Is reports target == ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Unwrap returns the embedded *APIError.
func (e *ConflictError) Unwrap() error { return &e.APIError }

// ServerError is a 5xx, including a proxy's non-JSON 502.
type ServerError struct {
	APIError
	// RetryAfter is the response's Retry-After header (a 503 often sends
	// one); 0 when absent. The SDK waits for it before retrying when it fits
	// WithMaxRetryWait and the context deadline.
	RetryAfter time.Duration
}

// Error reads like APIError.Error, with the Retry-After when there was one.
func (e *ServerError) Error() string { return e.text("server error", e.RetryAfter) }

// Is reports target == ErrServer.
func (e *ServerError) Is(target error) bool { return target == ErrServer }

// Unwrap returns the embedded *APIError.
func (e *ServerError) Unwrap() error { return &e.APIError }

// RateLimitError is a 429. The SDK retries it after RetryAfter when the wait
// fits WithMaxRetryWait and the context deadline; otherwise it returns it at
// once so the caller can schedule the retry.
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
}

// Error reads "freddy: 429 RATE_LIMIT_EXCEEDED: … (retry after 1m0s,
// trace_id req_…)".
func (e *RateLimitError) Error() string { return e.text("rate limited", e.RetryAfter) }

// Is reports target == ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// Unwrap returns the embedded *APIError.
func (e *RateLimitError) Unwrap() error { return &e.APIError }

// wrapFunc builds the typed error of one status family. details are the
// body's details as sent: numbers and times are read from them, never from
// the scrubbed copy in a.Details, where a credential value that happens to
// equal a retry_after could have been redacted.
type wrapFunc func(a APIError, details map[string]any, h http.Header, now time.Time) error

// kindOf maps a status to its typed error: the only place that decides it.
// nil means a plain *APIError.
func kindOf(status int) wrapFunc {
	switch {
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return func(a APIError, _ map[string]any, _ http.Header, _ time.Time) error { return &ValidationError{a} }
	case status == http.StatusUnauthorized:
		return func(a APIError, _ map[string]any, _ http.Header, _ time.Time) error { return &AuthenticationError{a} }
	case status == http.StatusForbidden:
		return func(a APIError, _ map[string]any, _ http.Header, _ time.Time) error { return &AuthorizationError{a} }
	case status == http.StatusNotFound:
		return func(a APIError, _ map[string]any, _ http.Header, _ time.Time) error { return &NotFoundError{a} }
	case status == http.StatusConflict:
		return func(a APIError, _ map[string]any, _ http.Header, _ time.Time) error { return &ConflictError{a} }
	case status == http.StatusTooManyRequests:
		return newRateLimitError
	case status >= 500 && status <= 599:
		return func(a APIError, _ map[string]any, h http.Header, now time.Time) error {
			d, _ := retry.ParseRetryAfter(headerValue(h, "Retry-After"), now)
			return &ServerError{APIError: a, RetryAfter: d}
		}
	}
	return nil
}

// retryAfterOf is the wait an API error asks for before a retry.
func retryAfterOf(err error) time.Duration {
	switch e := err.(type) {
	case *RateLimitError:
		return e.RetryAfter
	case *ServerError:
		return e.RetryAfter
	}
	return 0
}

// wireError is the "error" object of both documented error bodies.
type wireError struct {
	Code          string         `json:"code"`
	Message       string         `json:"message"`
	SystemMessage string         `json:"system_message"`
	Type          string         `json:"type"`
	TraceID       string         `json:"trace_id"`
	Timestamp     string         `json:"timestamp"`
	Details       map[string]any `json:"details"`
}

// newAPIError turns a non-2xx response into the typed error for its status.
// Text the server sent passes through scrub, so a server that echoes the
// request cannot put a secret into an error string.
func newAPIError(status int, h http.Header, body []byte, idemKey string, attempts int, scrub *redact.Scrubber, now time.Time) error {
	a := APIError{StatusCode: status, IdempotencyKey: idemKey, Attempts: attempts}
	var details map[string]any
	var env struct {
		Error *wireError `json:"error"`
	}
	err := json.Unmarshal(body, &env)
	var typeErr *json.UnmarshalTypeError
	if w := env.Error; (err == nil || errors.As(err, &typeErr)) && w != nil && (w.Code != "" || w.Message != "" || w.Type != "") {
		a.Code = scrub.String(w.Code)
		a.Message = scrub.String(w.Message)
		a.SystemMessage = scrub.String(w.SystemMessage)
		a.Type = scrub.String(w.Type)
		a.TraceID = scrub.String(w.TraceID)
		a.Timestamp, _ = time.Parse(time.RFC3339, w.Timestamp)
		details = w.Details
		if d, ok := scrub.Value(w.Details).(map[string]any); ok {
			a.Details = d
		}
	} else {
		// Scrub the whole body before cutting it: a secret that straddles
		// the cut would otherwise survive in part.
		a.snippet = snippet(scrub.Bytes(body))
		if a.snippet == "" {
			a.snippet = "(empty)"
		}
	}
	if a.TraceID == "" {
		a.TraceID = scrub.String(headerValue(h, "X-Request-Id"))
	}
	if wrap := kindOf(status); wrap != nil {
		return wrap(a, details, h, now)
	}
	return &a
}

// newRateLimitError reads the 429 details from the body, falling back to the
// rate-limit headers. RetryAfter is the longer of the two requests.
func newRateLimitError(a APIError, details map[string]any, h http.Header, now time.Time) error {
	e := &RateLimitError{APIError: a}
	if d, ok := secondsOf(details["retry_after"]); ok {
		e.RetryAfter = d
	}
	if d, ok := retry.ParseRetryAfter(headerValue(h, "Retry-After"), now); ok && d > e.RetryAfter {
		e.RetryAfter = d
	}
	rl := parseRateLimit(h, now)
	e.Limit, e.Remaining, e.ResetAt = rl.Limit, rl.Remaining, rl.ResetAt
	if n, ok := countOf(details["limit"]); ok {
		e.Limit = n
	}
	if n, ok := countOf(details["remaining"]); ok {
		e.Remaining = n
	}
	if s, ok := details["reset_at"].(string); ok {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			e.ResetAt = t
		}
	}
	return e
}

// secondsOf accepts a JSON number or a numeric string.
func secondsOf(v any) (time.Duration, bool) {
	switch t := v.(type) {
	case float64:
		return retry.Seconds(t)
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(t), 64); err == nil {
			return retry.Seconds(f)
		}
	}
	return 0, false
}

// countOf accepts a non-negative JSON number that fits an int32.
func countOf(v any) (int, bool) {
	if f, ok := v.(float64); ok && f >= 0 && f <= 1<<31 {
		return int(f), true
	}
	return 0, false
}

// snippetLen keeps a proxy's HTML page from flooding a log line.
const snippetLen = 120

// snippet returns the start of a body for an error message, cut on a rune
// boundary.
func snippet(body []byte) string {
	s := strings.TrimSpace(string(body[:min(len(body), snippetLen+utf8.UTFMax)]))
	if len(s) <= snippetLen {
		return s
	}
	cut := snippetLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

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

// Is reports target == ErrInvalidParams.
func (e *ParamError) Is(target error) bool { return target == ErrInvalidParams }

// DecodeError reports a 2xx response whose body is none of the documented
// shapes. A Create may have succeeded: retry with
// WithIdempotencyKey(IdempotencyKey) to get the configuration without
// creating another.
type DecodeError struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Reason says what was wrong with the body.
	Reason string
	// TraceID is the response's x-request-id header, if any.
	TraceID string
	// IdempotencyKey is the key a Create sent; empty for other operations.
	IdempotencyKey string
	// Attempts is the number of attempts the call made, this one included.
	Attempts int
	// Err is the JSON error, if any.
	Err error

	snippet string
}

// Error reads "freddy: 200 response is not valid JSON: <json error>: body
// "…" (3 attempts, trace_id …)".
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("freddy: ")
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
	// waiting is set when the context ended during the wait before a retry.
	waiting bool
}

// Error reads "freddy: request failed after 3 attempts: <cause>", or
// "freddy: request not sent: context canceled", and, when the context ended
// the call after an API error, "; last response: <that error>".
func (e *RequestError) Error() string {
	var b strings.Builder
	if e.Attempts == 0 {
		b.WriteString("freddy: request not sent")
	} else {
		b.WriteString("freddy: request failed after ")
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
