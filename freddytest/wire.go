package freddytest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// APIVersion is the Freddy-Api-Version header the server sends.
const APIVersion = "2025-01-01"

// Redacted is what the server sends, and Configurations reports, in place of
// credentials.
const Redacted = "***REDACTED***"

const objectType = "personal_connector.configuration"

// reply is a complete response, built before anything is written: a fault
// can then throw it away (FaultDropAfterCommit) after it has taken effect.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func jsonReply(status int, v any) *reply {
	body, err := json.Marshal(v)
	if err != nil {
		// Only JSON-decoded values and the server's own structs get here.
		panic("freddytest: encoding a response: " + err.Error())
	}
	return &reply{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: body}
}

// write sends rep with the headers every response carries.
func (rep *reply) write(w http.ResponseWriter, x *exchange) {
	h := w.Header()
	for k, v := range rep.header {
		h[k] = v
	}
	h.Set("Content-Length", strconv.Itoa(len(rep.body)))
	x.stamp(h)
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// apiError is one row of the error catalogue: code, type, message and
// system_message. The first five rows are the Create page's table; the
// others follow its style for the statuses the lifecycle pages add.
type apiError struct{ code, typ, message, systemMessage string }

var (
	errValidation   = apiError{"VALIDATION_ERROR", "validation_error", "Invalid request parameters", "Validation failed"}
	errUnauthorized = apiError{"UNAUTHORIZED", "authentication_error", "Authentication required. Please provide a valid API key.", "Missing or invalid authorization header"}
	errForbidden    = apiError{"FORBIDDEN", "authorization_error", "You do not have permission to perform this action.", "Insufficient permissions"}
	errRateLimit    = apiError{"RATE_LIMIT_EXCEEDED", "rate_limit_error", "Too many requests. Please try again later.", "Rate limit exceeded for endpoint"}
	errServer       = apiError{"INTERNAL_SERVER_ERROR", "server_error", "An unexpected error occurred. Please try again later.", "Database connection timeout"}
	errIdempotency  = apiError{"IDEMPOTENCY_KEY_REUSED", "idempotency_error", "This Idempotency-Key was already used with a different request body.", "Idempotency key reused with different parameters"}
	errNoRoute      = apiError{"NOT_FOUND", "not_found_error", "Resource not found.", "No route for this path"}
	errMethod       = apiError{"METHOD_NOT_ALLOWED", "invalid_request_error", "Method not allowed.", "Method not supported on this path"}
)

// envelope answers the documented error envelope with status; details is
// left out when nil.
func (x *exchange) envelope(status int, e apiError, details map[string]any) *reply {
	body := map[string]any{
		"code": e.code, "message": e.message, "system_message": e.systemMessage, "type": e.typ,
		"status": status, "trace_id": x.trace, "timestamp": formatTime(x.now),
	}
	if details != nil {
		body["details"] = details
	}
	return jsonReply(status, map[string]any{"success": false, "error": body})
}

// invalid answers 400 VALIDATION_ERROR with details.fields: one message per
// offending field or query parameter.
func (x *exchange) invalid(fields map[string]string) *reply {
	return x.envelope(http.StatusBadRequest, errValidation, map[string]any{"fields": fields})
}

// shortError is the older pages' body: {"error":{"type","message","code"}}.
func shortError(status int, typ, message, code string) *reply {
	return jsonReply(status, map[string]any{"error": map[string]string{"type": typ, "message": message, "code": code}})
}

func notFound(id string) *reply {
	return shortError(http.StatusNotFound, "not_found_error",
		"Personal connector configuration with ID '"+id+"' not found.", "configuration_not_found")
}

// camelObject is the configuration object as the lifecycle pages send it:
// camelCase throughout.
type camelObject struct {
	ID                  string         `json:"id"`
	Object              string         `json:"object"`
	UserID              string         `json:"userId"`
	APIKeyID            *string        `json:"apiKeyId"`
	OrganizationID      string         `json:"organizationId"`
	PersonalConnectorID string         `json:"personalConnectorId"`
	Name                string         `json:"name"`
	Configuration       map[string]any `json:"configuration"`
	Credentials         string         `json:"credentials"`
	Enabled             bool           `json:"enabled"`
	HealthStatus        string         `json:"healthStatus"`
	LastSyncAt          *string        `json:"lastSyncAt"`
	LastError           *string        `json:"lastError"`
	Description         *string        `json:"description"`
	Metadata            map[string]any `json:"metadata"`
	CreatedAt           string         `json:"createdAt"`
	UpdatedAt           string         `json:"updatedAt"`
}

// createdObject is the Create page's data object: the same fields, with
// organization_id, created_at and updated_at in snake_case. Only the tags
// differ, so a camelObject converts to it.
type createdObject struct {
	ID                  string         `json:"id"`
	Object              string         `json:"object"`
	UserID              string         `json:"userId"`
	APIKeyID            *string        `json:"apiKeyId"`
	OrganizationID      string         `json:"organization_id"`
	PersonalConnectorID string         `json:"personalConnectorId"`
	Name                string         `json:"name"`
	Configuration       map[string]any `json:"configuration"`
	Credentials         string         `json:"credentials"`
	Enabled             bool           `json:"enabled"`
	HealthStatus        string         `json:"healthStatus"`
	LastSyncAt          *string        `json:"lastSyncAt"`
	LastError           *string        `json:"lastError"`
	Description         *string        `json:"description"`
	Metadata            map[string]any `json:"metadata"`
	CreatedAt           string         `json:"created_at"`
	UpdatedAt           string         `json:"updated_at"`
}

type listPage struct {
	Object  string        `json:"object"`
	Data    []camelObject `json:"data"`
	FirstID *string       `json:"firstId"`
	LastID  *string       `json:"lastId"`
	HasMore bool          `json:"hasMore"`
}

type deleted struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

type healthResult struct {
	Status   string        `json:"status"`
	Message  string        `json:"message"`
	Details  healthDetails `json:"details"`
	TestedAt string        `json:"testedAt"`
}

// healthDetails: an unhealthy result carries only the server fields.
type healthDetails struct {
	ServerURL      string `json:"serverUrl"`
	ServerType     string `json:"serverType"`
	ResponseTimeMs int    `json:"responseTimeMs,omitempty"`
	ServerVersion  string `json:"serverVersion,omitempty"`
	AvailableTools int    `json:"availableTools,omitempty"`
}

// formatTime writes whole seconds in UTC, as the documented examples do.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return prefix + hex.EncodeToString(b[:])
}
