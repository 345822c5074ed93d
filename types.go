package freddy

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
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
// with one change: the value of every "credentials" member (in any case or
// escape) is "***REDACTED***", whatever the server sent; when that changes
// anything, the object is re-encoded, members in their order, strings
// without HTML escaping and invalid UTF-8 as U+FFFD. It returns nil for a
// Configuration built by hand. Each call returns a new copy. A Configuration
// from a list keeps its page's body alive for this.
func (c *Configuration) RawJSON() json.RawMessage { return c.raw.json() }

// MarshalJSON encodes the Configuration with the Create page's field names,
// credentials redacted.
func (c Configuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(wireConfiguration{
		ID: c.ID, Object: c.Object, UserID: c.UserID, APIKeyID: c.APIKeyID,
		OrganizationID: c.OrganizationID, PersonalConnectorID: c.PersonalConnectorID,
		Name: c.Name, Configuration: c.Configuration, Credentials: wireSecret(c.Credentials),
		Enabled: c.Enabled, HealthStatus: c.HealthStatus, LastSyncAt: c.LastSyncAt,
		LastError: c.LastError, Description: c.Description, Metadata: c.Metadata,
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
	return redactCredentials(r.find())
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

// redactCredentials replaces the value of every "credentials" member, at any
// depth, in any letter case and however its name is escaped, that is not the
// redaction marker: no credential value a server sends reaches a caller, even
// through RawJSON. Members keep their order, duplicates included. A body in
// which no name can spell "credentials" is returned as it is.
func redactCredentials(raw json.RawMessage) json.RawMessage {
	if raw == nil || (!containsFold(raw, "credentials") && !bytes.Contains(raw, []byte(`\u`))) {
		return raw
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var out bytes.Buffer
	if copyRedacted(d, &out) != nil {
		return nil
	}
	return out.Bytes()
}

// copyRedacted copies one JSON value from d to w, token by token.
func copyRedacted(d *json.Decoder, w *bytes.Buffer) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		open, end := byte(t), byte('}')
		if open == '[' {
			end = ']'
		}
		w.WriteByte(open)
		for n := 0; d.More(); n++ {
			if n > 0 {
				w.WriteByte(',')
			}
			if open == '[' {
				if err := copyRedacted(d, w); err != nil {
					return err
				}
				continue
			}
			key, err := d.Token()
			if err != nil {
				return err
			}
			writeJSONString(w, key.(string))
			w.WriteByte(':')
			if strings.EqualFold(key.(string), "credentials") {
				var skipped json.RawMessage
				if err := d.Decode(&skipped); err != nil {
					return err
				}
				w.WriteString(`"` + redact.Marker + `"`)
				continue
			}
			if err := copyRedacted(d, w); err != nil {
				return err
			}
		}
		if _, err := d.Token(); err != nil {
			return err
		}
		w.WriteByte(end)
	case string:
		writeJSONString(w, t)
	case json.Number:
		w.WriteString(t.String())
	case bool:
		w.WriteString(strconv.FormatBool(t))
	case nil:
		w.WriteString("null")
	}
	return nil
}

// writeJSONString writes s as a JSON string without HTML escaping, so that
// text the server sent stays as it was.
func writeJSONString(w *bytes.Buffer, s string) {
	e := json.NewEncoder(w)
	e.SetEscapeHTML(false)
	_ = e.Encode(s)
	w.Truncate(w.Len() - 1) // Encode's newline
}

// containsFold reports whether b holds s, ASCII letters in any case.
func containsFold(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if bytes.EqualFold(b[i:i+len(s)], []byte(s)) {
			return true
		}
	}
	return false
}
