package freddy

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aitronos/freddy-go/internal/redact"
	"github.com/aitronos/freddy-go/internal/retry"
)

// Sentinel errors for quick checks with errors.Is. The typed errors below
// match them; errors.As gives the detail.
var (
	// ErrValidation matches *ValidationError (HTTP 400 and 422).
	ErrValidation = errors.New("freddy: validation error")
	// ErrUnauthorized matches *AuthenticationError (HTTP 401).
	ErrUnauthorized = errors.New("freddy: unauthorized")
	// ErrForbidden matches *AuthorizationError (HTTP 403).
	ErrForbidden = errors.New("freddy: forbidden")
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
// on all of them; statuses without a typed error (404, 409, …) arrive as a
// plain *APIError with Code kept.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the machine-readable code, e.g. "RATE_LIMIT_EXCEEDED"; empty
	// when the body was not the API's error envelope.
	Code string
	// Message is the human-readable message.
	Message string
	// SystemMessage is the server's technical detail.
	SystemMessage string
	// Type is the error family, e.g. "rate_limit_error".
	Type string
	// TraceID identifies the request in Freddy's logs: the envelope's
	// trace_id, else the x-request-id header.
	TraceID string
	// Timestamp is when the server produced the error; zero if not sent.
	Timestamp time.Time
	// Details holds extra fields such as the 429's retry_after.
	Details map[string]any
	// IdempotencyKey is the key the failed call sent. Retrying later with
	// WithIdempotencyKey(IdempotencyKey) cannot create a duplicate.
	IdempotencyKey string

	// snippet is the start of a body that was not the error envelope.
	snippet string
}

// Error reads "freddy: 429 RATE_LIMIT_EXCEEDED: Too many requests. … (trace_id req_…)".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("freddy: ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	b.WriteByte(' ')
	if e.Code != "" {
		b.WriteString(e.Code)
	} else {
		b.WriteString(http.StatusText(e.StatusCode))
	}
	msg := e.Message
	if msg == "" {
		msg = e.SystemMessage
	}
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	writeTail(&b, ": unexpected response body ", e.snippet, e.TraceID)
	return b.String()
}

// writeTail appends the quoted body snippet after label, and the trace id:
// the end of every error message built from a response.
func writeTail(b *strings.Builder, label, snippet, traceID string) {
	if snippet != "" {
		b.WriteString(label)
		b.WriteString(strconv.Quote(snippet))
	}
	if traceID != "" {
		b.WriteString(" (trace_id ")
		b.WriteString(traceID)
		b.WriteByte(')')
	}
}

// Is makes errors.Is(err, ErrRateLimited) and friends hold for the status
// families that have a sentinel.
func (e *APIError) Is(target error) bool {
	k := kindOf(e.StatusCode)
	return k != nil && k.sentinel == target
}

// ValidationError is a 400 or 422: the server rejected the request body.
type ValidationError struct{ APIError }

// Unwrap returns the embedded *APIError.
func (e *ValidationError) Unwrap() error { return &e.APIError }

// AuthenticationError is a 401 (UNAUTHORIZED, INVALID_API_KEY,
// API_KEY_EXPIRED, …): the API key is missing, wrong or expired.
type AuthenticationError struct{ APIError }

// Unwrap returns the embedded *APIError.
func (e *AuthenticationError) Unwrap() error { return &e.APIError }

// AuthorizationError is a 403 (FORBIDDEN, INSUFFICIENT_PERMISSIONS, …): the
// key is valid but may not do this.
type AuthorizationError struct{ APIError }

// Unwrap returns the embedded *APIError.
func (e *AuthorizationError) Unwrap() error { return &e.APIError }

// ServerError is a 5xx, including a proxy's non-JSON 502.
type ServerError struct{ APIError }

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

// Unwrap returns the embedded *APIError.
func (e *RateLimitError) Unwrap() error { return &e.APIError }

// errorKind is one row of the status-to-type mapping: the only place that
// decides which typed error a status becomes.
type errorKind struct {
	sentinel error
	wrap     func(APIError, http.Header, time.Time) error
}

var (
	kindValidation = &errorKind{ErrValidation, func(a APIError, _ http.Header, _ time.Time) error { return &ValidationError{a} }}
	kindAuth       = &errorKind{ErrUnauthorized, func(a APIError, _ http.Header, _ time.Time) error { return &AuthenticationError{a} }}
	kindForbidden  = &errorKind{ErrForbidden, func(a APIError, _ http.Header, _ time.Time) error { return &AuthorizationError{a} }}
	kindRateLimit  = &errorKind{ErrRateLimited, newRateLimitError}
	kindServer     = &errorKind{ErrServer, func(a APIError, _ http.Header, _ time.Time) error { return &ServerError{a} }}
)

func kindOf(status int) *errorKind {
	switch {
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return kindValidation
	case status == http.StatusUnauthorized:
		return kindAuth
	case status == http.StatusForbidden:
		return kindForbidden
	case status == http.StatusTooManyRequests:
		return kindRateLimit
	case status >= 500 && status <= 599:
		return kindServer
	}
	return nil
}

// wireError is the documented error envelope's "error" object.
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
func newAPIError(status int, h http.Header, body []byte, idemKey string, scrub *redact.Scrubber, now time.Time) error {
	a := APIError{StatusCode: status, IdempotencyKey: idemKey}
	var env struct {
		Error *wireError `json:"error"`
	}
	err := json.Unmarshal(body, &env)
	var typeErr *json.UnmarshalTypeError
	if (err == nil || errors.As(err, &typeErr)) && env.Error != nil && env.Error.Code != "" {
		w := env.Error
		a.Code = scrub.String(w.Code)
		a.Message = scrub.String(w.Message)
		a.SystemMessage = scrub.String(w.SystemMessage)
		a.Type = scrub.String(w.Type)
		a.TraceID = scrub.String(w.TraceID)
		a.Timestamp, _ = time.Parse(time.RFC3339, w.Timestamp)
		if d, ok := scrub.Value(w.Details).(map[string]any); ok {
			a.Details = d
		}
	} else {
		a.snippet = scrub.String(snippet(body))
		if a.snippet == "" {
			a.snippet = "(empty)"
		}
	}
	if a.TraceID == "" {
		a.TraceID = scrub.String(h.Get("X-Request-Id"))
	}
	if k := kindOf(status); k != nil {
		return k.wrap(a, h, now)
	}
	return &a
}

// newRateLimitError reads the 429 details from the body, falling back to the
// x-ratelimit-* headers. RetryAfter is the longer of the two requests.
func newRateLimitError(a APIError, h http.Header, now time.Time) error {
	e := &RateLimitError{APIError: a}
	if d, ok := secondsOf(a.Details["retry_after"]); ok {
		e.RetryAfter = d
	}
	if d, ok := retry.ParseRetryAfter(h.Get("Retry-After"), now); ok && d > e.RetryAfter {
		e.RetryAfter = d
	}
	e.Limit = intOf(a.Details["limit"], h.Get("X-Ratelimit-Limit"))
	e.Remaining = intOf(a.Details["remaining"], h.Get("X-Ratelimit-Remaining"))
	e.ResetAt = timeOf(a.Details["reset_at"], h.Get("X-Ratelimit-Reset"))
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

// intOf reads a JSON number from the body, else an integer header value.
func intOf(v any, header string) int {
	if f, ok := v.(float64); ok && f >= 0 && f <= 1<<31 {
		return int(f)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(header)); err == nil && n >= 0 {
		return n
	}
	return 0
}

// timeOf reads an RFC 3339 time from the body, else a header holding RFC 3339
// or Unix seconds.
func timeOf(v any, header string) time.Time {
	if s, ok := v.(string); ok {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t
		}
	}
	header = strings.TrimSpace(header)
	if t, err := time.Parse(time.RFC3339, header); err == nil {
		return t
	}
	if n, err := strconv.ParseInt(header, 10, 64); err == nil && n > 0 && n < 1<<40 {
		return time.Unix(n, 0).UTC()
	}
	return time.Time{}
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
	// Field is the JSON name of the offending field, e.g. "personalConnectorId".
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

// DecodeError reports a 2xx response whose body is not the documented success
// envelope. The configuration may have been created: retry with
// WithIdempotencyKey(IdempotencyKey) to get it without creating another.
type DecodeError struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Reason says what was wrong with the body.
	Reason string
	// TraceID is the response's x-request-id header, if any.
	TraceID string
	// IdempotencyKey is the key the call sent.
	IdempotencyKey string
	// Err is the JSON error, if any.
	Err error

	snippet string
}

// Error reads "freddy: 200 response: <reason>: <json error>: body "…" (trace_id …)".
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("freddy: ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	b.WriteString(" response: ")
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	writeTail(&b, ": body ", e.snippet, e.TraceID)
	return b.String()
}

// Unwrap returns the JSON error, if any.
func (e *DecodeError) Unwrap() error { return e.Err }

// RequestError reports a call that ended without an API response to show for
// it: the connection failed on every attempt, the response could not be
// read, or the caller's context ended (during an attempt or while waiting to
// retry). errors.Is(err, context.Canceled) and
// errors.Is(err, context.DeadlineExceeded) see through it, and so does
// errors.As to the last API error the call received before that, if any.
type RequestError struct {
	// Attempts is the number of attempts made.
	Attempts int
	// IdempotencyKey is the key every attempt sent. Retrying later with
	// WithIdempotencyKey(IdempotencyKey) cannot create a duplicate.
	IdempotencyKey string
	// Err is the cause: a transport error or the context's error.
	Err error
	// LastAPIError is the API error of an earlier attempt when the context
	// ended the call; nil otherwise.
	LastAPIError error
	// waiting is set when the context ended during the wait before a retry.
	waiting bool
}

// Error reads "freddy: request failed after 3 attempts: <cause>" and, when
// the context ended the call after an API error, "; last error: <that error>".
func (e *RequestError) Error() string {
	var b strings.Builder
	b.WriteString("freddy: request failed after ")
	b.WriteString(strconv.Itoa(e.Attempts))
	if e.Attempts == 1 {
		b.WriteString(" attempt")
	} else {
		b.WriteString(" attempts")
	}
	if e.waiting {
		b.WriteString(" (while waiting to retry)")
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	if e.LastAPIError != nil {
		b.WriteString("; last error: ")
		b.WriteString(e.LastAPIError.Error())
	}
	return b.String()
}

// Unwrap returns the cause and, when set, the last API error.
func (e *RequestError) Unwrap() []error {
	if e.LastAPIError == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.LastAPIError}
}
