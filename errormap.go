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

// This file builds the typed errors of errors.go from a response: which type
// a status maps to (kindOf), how both documented error bodies are read
// (newAPIError), and the 429 and 5xx details.

// wrapFunc builds the typed error of one status family. details are the
// body's details as sent: numbers and times are read from them, never from
// the scrubbed copy in a.Details, where a credential value that happens to
// equal a retry_after could have been redacted.
type wrapFunc func(a APIError, details map[string]any, h http.Header, now time.Time) error

// kindOf maps a status to its typed error: the only place that decides it.
// nil means a plain [*APIError].
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
	a.scrubSaid(scrub)
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
		e.RetryAfter, e.window = d, d
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
