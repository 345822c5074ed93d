package freddy

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/aitronos/freddy-go/internal/redact"
)

// Bool returns a pointer to v, for optional fields such as
// CreateConfigurationParams.Enabled and ListConfigurationsParams.Enabled.
func Bool(v bool) *bool { return &v }

// String returns a pointer to v, for optional fields such as
// UpdateConfigurationParams.Name.
func String(v string) *string { return &v }

// HealthStatus is the health of a configuration as the server reports it.
// Values other than the constants below are kept as received.
type HealthStatus string

// Known HealthStatus values.
const (
	HealthStatusHealthy   HealthStatus = "healthy"
	HealthStatusUnhealthy HealthStatus = "unhealthy"
	HealthStatusUnknown   HealthStatus = "unknown"
)

// Configuration is a Personal Connector Configuration Object as returned by
// the API. Optional fields the server sent as null are nil.
//
// json.Marshal writes it with the Create page's field names (organization_id,
// created_at and updated_at in snake_case, the rest camelCase), and
// json.Unmarshal reads that back, as well as every spelling the API uses.
type Configuration struct {
	ID                  string
	Object              string
	UserID              string
	APIKeyID            *string
	OrganizationID      string
	PersonalConnectorID string
	Name                string
	Configuration       map[string]any
	// Credentials is always "***REDACTED***": the API never returns
	// secrets, and the SDK never surfaces a credentials object a server
	// might send instead.
	Credentials  string
	Enabled      bool
	HealthStatus HealthStatus
	LastSyncAt   *time.Time
	LastError    *string
	Description  *string
	Metadata     map[string]any
	CreatedAt    time.Time
	UpdatedAt    time.Time

	// raw finds the object in the response body on demand, so that
	// decoding stays one pass. A pointer, so that printing a Configuration
	// shows an address rather than the body as decimal bytes.
	raw *rawRef
}

// RawJSON returns the configuration object as the server sent it, whichever
// envelope carried it, for fields this version of the SDK does not model,
// with one change: the value of every "credentials" member (under any name
// encoding/json reads as credentials: any case, Unicode folding such as
// "credentialſ" included, any escape) is "***REDACTED***", whatever the server sent; when that changes
// anything, the object is re-encoded, members in their order, strings
// without HTML escaping and invalid UTF-8 as U+FFFD. It returns nil for a
// Configuration built by hand. Each call returns a new copy. A Configuration
// from a list keeps its page's body alive for this.
func (c *Configuration) RawJSON() json.RawMessage { return c.raw.json() }

// MarshalJSON encodes the Configuration with the Create page's field names,
// credentials redacted.
func (c Configuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(wireConfiguration{
		ID: c.ID, Object: c.Object, UserID: c.UserID, APIKeyID: some(c.APIKeyID),
		OrganizationID: c.OrganizationID, PersonalConnectorID: c.PersonalConnectorID,
		Name: c.Name, Configuration: c.Configuration, Credentials: redact.Discarded{},
		Enabled: c.Enabled, HealthStatus: c.HealthStatus, LastSyncAt: some(c.LastSyncAt),
		LastError: some(c.LastError), Description: c.Description, Metadata: c.Metadata,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	})
}

// UnmarshalJSON reads a configuration object in any documented spelling,
// bare or in the {"success":true,"data":…} envelope; it is the inverse of
// MarshalJSON, for any Configuration, one without an ID included. RawJSON
// then returns the object. It fails on JSON that is not such an object.
func (c *Configuration) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil // as encoding/json does for every type: null changes nothing
	}
	got, derr := decodeObject(bytes.Clone(b))
	if derr != nil {
		return derr
	}
	*c = *got
	return nil
}

// ConfigurationPage is one page of List.
type ConfigurationPage struct {
	// Data holds the page's configurations, in the server's order.
	Data []*Configuration
	// HasMore reports whether another page follows: the server's
	// hasMore/has_more, or, when it sent neither, whether the page is as
	// long as the limit sent (20 when Limit was 0).
	HasMore bool
	// FirstID and LastID are the server's firstId/first_id and
	// lastId/last_id, or the first and last item's ID when it sent none.
	// Pass LastID as ListConfigurationsParams.After for the next page.
	FirstID string
	LastID  string

	raw *rawRef
}

// RawJSON returns the list as the server sent it (the list object, or the
// bare array), whichever envelope carried it, credentials redacted as
// Configuration.RawJSON says. It returns nil for a page built by hand. Each
// call returns a new copy.
func (p *ConfigurationPage) RawJSON() json.RawMessage { return p.raw.json() }

// TestResult is the outcome of a health check (Test). An unhealthy result is
// an answer, not an error.
type TestResult struct {
	// Status is healthy or unhealthy.
	Status HealthStatus
	// Message is the server's explanation.
	Message string
	// Details describes the connector's server; fields it did not report
	// are zero.
	Details TestDetails
	// TestedAt is when the check ran.
	TestedAt time.Time

	raw *rawRef
}

// RawJSON returns the result object as the server sent it, credentials
// redacted as Configuration.RawJSON says. It returns nil for a TestResult
// built by hand.
func (r *TestResult) RawJSON() json.RawMessage { return r.raw.json() }

// TestDetails describes the connector's server as a health check saw it.
type TestDetails struct {
	ServerURL, ServerType, ServerVersion string
	// ResponseTime is the server's responseTimeMs.
	ResponseTime time.Duration
	// AvailableTools is the number of tools the server offers.
	AvailableTools int
}

// rawRef locates a decoded object in its response body: through depth
// nested "data" members and, for a list item, at an index of the array found
// there. It is resolved only when RawJSON is called.
type rawRef struct {
	body  []byte
	depth int
	item  int // -1 for the object itself
}

func (r *rawRef) json() json.RawMessage {
	if r == nil {
		return nil
	}
	return redact.JSONCredentials(r.find())
}

// find cuts the object out of the body.
func (r *rawRef) find() json.RawMessage {
	v := json.RawMessage(bytes.TrimSpace(r.body))
	for range r.depth {
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if json.Unmarshal(v, &env) != nil {
			return nil
		}
		v = env.Data
	}
	if r.item >= 0 {
		var items []json.RawMessage
		if json.Unmarshal(v, &items) != nil || r.item >= len(items) {
			return nil
		}
		v = items[r.item]
	}
	return bytes.Clone(v)
}

// Response is the metadata of a call's response: of the response that
// succeeded, or else of the last attempt. Request it with [WithResponseInto].
type Response struct {
	// StatusCode is the HTTP status; 0 when the last attempt got no
	// response.
	StatusCode int
	// Header is the response header, with any echo of the API key or a
	// credential value redacted, in names and values; nil when there was no
	// response.
	Header http.Header
	// RequestID is the x-request-id header, for support requests.
	RequestID string
	// APIVersion is the freddy-api-version header, e.g. "2025-01-01".
	APIVersion string
	// ProcessingTime is the freddy-processing-ms header.
	ProcessingTime time.Duration
	// RateLimit is read from either documented header family.
	RateLimit RateLimit
	// Attempts is the number of attempts the call sent: one a middleware
	// failed without calling next is not.
	Attempts int
	// IdempotencyKey is the key a Create sent; empty for other operations.
	IdempotencyKey string
}
