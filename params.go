package freddy

import (
	"encoding/json"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

// CreateConfigurationParams is the request body of
// POST /v1/personal-connectors/configurations.
//
// Printing, logging or json.Marshal of the params (or of any value holding
// them) shows "***REDACTED***" for the credentials; the SDK encodes the real
// credentials only into the request it sends.
type CreateConfigurationParams struct {
	// PersonalConnectorID is the connector to configure, e.g. "pcon_github".
	// Required.
	PersonalConnectorID string `json:"personalConnectorId"`
	// Name is the human-readable label shown in dashboards. Required.
	Name string `json:"name"`
	// Configuration holds connector-specific settings. A nil map is left
	// out of the request; an empty, non-nil map is sent as {}.
	Configuration map[string]any `json:"configuration,omitzero"`
	// Credentials is the authentication payload for the external service.
	// Required and non-empty.
	Credentials Credentials `json:"credentials"`
	// Description is left out when empty.
	Description string `json:"description,omitempty"`
	// Metadata holds custom key-value pairs. A nil map is left out of the
	// request; an empty, non-nil map is sent as {}.
	Metadata map[string]any `json:"metadata,omitzero"`
	// Enabled is left out when nil, which lets the server default it to
	// true. Use Bool(false) to create a disabled configuration.
	Enabled *bool `json:"enabled,omitempty"`
}

// body checks the params and encodes the request body. A missing required
// field is reported by its JSON name, the name the API reference uses.
func (p *CreateConfigurationParams) body() ([]byte, error) {
	switch {
	case p.PersonalConnectorID == "":
		return nil, &ParamError{Field: "personalConnectorId", Reason: "is required"}
	case p.Name == "":
		return nil, &ParamError{Field: "name", Reason: "is required"}
	case p.Credentials.IsZero():
		return nil, &ParamError{Field: "credentials", Reason: "is required and must not be empty"}
	}
	creds, err := p.Credentials.encoded()
	if err != nil {
		return nil, err
	}
	conf, err := encodeMap("configuration", p.Configuration)
	if err != nil {
		return nil, err
	}
	meta, err := encodeMap("metadata", p.Metadata)
	if err != nil {
		return nil, err
	}
	// Written member by member, in the documented order, rather than by
	// reflection over a struct: Create is the hot path, and only the two
	// connector-specific maps need encoding/json. The maps are encoded
	// first so that the body is allocated once, at its size: the member
	// names and punctuation take under 96 bytes.
	b := make([]byte, 0, 96+len(p.PersonalConnectorID)+len(p.Name)+len(p.Description)+len(creds)+len(conf)+len(meta))
	b = append(b, `{"personalConnectorId":`...)
	b = appendJSONString(b, p.PersonalConnectorID)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, p.Name)
	b = appendMember(b, "configuration", conf)
	b = append(b, `,"credentials":`...)
	b = append(b, creds...)
	if p.Description != "" {
		b = append(b, `,"description":`...)
		b = appendJSONString(b, p.Description)
	}
	b = appendMember(b, "metadata", meta)
	if p.Enabled != nil {
		b = append(b, `,"enabled":`...)
		b = strconv.AppendBool(b, *p.Enabled)
	}
	return append(b, '}'), nil
}

// appendMember appends the member field with its encoded value enc, or
// nothing for a nil enc (a nil map is not sent).
func appendMember(b []byte, field string, enc []byte) []byte {
	if enc == nil {
		return b
	}
	b = append(append(append(b, `,"`...), field...), `":`...)
	return append(b, enc...)
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it. Plain printable ASCII, the common case, is copied as is.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // a string always encodes
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// LogValue implements slog.LogValuer. It guarantees a group of the fields
// that are set, under their JSON names, with credentials always
// "***REDACTED***", so a log record shows the params as fields (any handler,
// any nesting) rather than one formatted string.
func (p CreateConfigurationParams) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("personalConnectorId", p.PersonalConnectorID),
		slog.String("name", p.Name),
		slog.Any("credentials", p.Credentials),
	}
	if p.Configuration != nil {
		attrs = append(attrs, slog.Any("configuration", p.Configuration))
	}
	if p.Description != "" {
		attrs = append(attrs, slog.String("description", p.Description))
	}
	if p.Metadata != nil {
		attrs = append(attrs, slog.Any("metadata", p.Metadata))
	}
	if p.Enabled != nil {
		attrs = append(attrs, slog.Bool("enabled", *p.Enabled))
	}
	return slog.GroupValue(attrs...)
}

// UpdateConfigurationParams is the request body of
// PATCH /v1/personal-connectors/configurations/{id}: a partial update. Nil
// and zero fields are not sent; at least one field must be set. Enabling and
// disabling is not an update: use SetEnabled.
//
// Printing, logging or json.Marshal of the params shows "***REDACTED***" for
// the credentials.
type UpdateConfigurationParams struct {
	// Name is the new name; it must not be empty when set.
	Name *string `json:"name,omitempty"`
	// Description is the new description.
	Description *string `json:"description,omitempty"`
	// Configuration is merged by the server into the existing one. A nil
	// map is not sent; an empty, non-nil map is sent as {}.
	Configuration map[string]any `json:"configuration,omitzero"`
	// Metadata is merged by the server into the existing metadata. A nil
	// map is not sent; an empty, non-nil map is sent as {}.
	Metadata map[string]any `json:"metadata,omitzero"`
	// Credentials replaces the stored credentials; the server validates
	// them (a refusal is a [*ValidationError]). Zero is not sent.
	Credentials Credentials `json:"credentials,omitzero"`
}

// updateBody holds the maps already encoded, so that one JSON cannot encode
// is reported by its field's name.
type updateBody struct {
	Name          *string         `json:"name,omitempty"`
	Description   *string         `json:"description,omitempty"`
	Configuration json.RawMessage `json:"configuration,omitempty"`
	Metadata      json.RawMessage `json:"metadata,omitempty"`
	Credentials   json.RawMessage `json:"credentials,omitempty"`
}

func (p *UpdateConfigurationParams) body() ([]byte, error) {
	switch {
	case p.Name == nil && p.Description == nil && p.Configuration == nil && p.Metadata == nil && p.Credentials.IsZero():
		return nil, &ParamError{Field: "params", Reason: "must set at least one of name, description, configuration, metadata, credentials"}
	case p.Name != nil && *p.Name == "":
		return nil, &ParamError{Field: "name", Reason: "must not be empty"}
	}
	creds, err := p.Credentials.encoded()
	if err != nil {
		return nil, err
	}
	b := updateBody{Name: p.Name, Description: p.Description, Credentials: creds}
	if b.Configuration, err = encodeMap("configuration", p.Configuration); err != nil {
		return nil, err
	}
	if b.Metadata, err = encodeMap("metadata", p.Metadata); err != nil {
		return nil, err
	}
	return encodeBody(b)
}

// LogValue implements slog.LogValuer, as CreateConfigurationParams.LogValue
// does: the fields that are set, by JSON name, credentials "***REDACTED***".
func (p UpdateConfigurationParams) LogValue() slog.Value {
	var attrs []slog.Attr
	if p.Name != nil {
		attrs = append(attrs, slog.String("name", *p.Name))
	}
	if p.Description != nil {
		attrs = append(attrs, slog.String("description", *p.Description))
	}
	if p.Configuration != nil {
		attrs = append(attrs, slog.Any("configuration", p.Configuration))
	}
	if p.Metadata != nil {
		attrs = append(attrs, slog.Any("metadata", p.Metadata))
	}
	if !p.Credentials.IsZero() {
		attrs = append(attrs, slog.Any("credentials", p.Credentials))
	}
	return slog.GroupValue(attrs...)
}

// encodeBody marshals a request body; a value JSON cannot encode (a channel
// in Metadata, say) is the caller's params at fault.
func encodeBody(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &ParamError{Field: "params", Reason: "cannot be encoded as JSON: " + err.Error()}
	}
	return b, nil
}

// encodeField marshals one member of a request body; a value JSON cannot
// encode (a channel, a func, a NaN) is a *ParamError naming that member.
func encodeField(field string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &ParamError{Field: field, Reason: "cannot be encoded as JSON: " + err.Error()}
	}
	return b, nil
}

// encodeMap is encodeField for an optional map: nil stays nil (not sent).
func encodeMap(field string, m map[string]any) (json.RawMessage, error) {
	if m == nil {
		return nil, nil
	}
	return encodeField(field, m)
}

// ListConfigurationsParams filters and pages List and ListAll.
type ListConfigurationsParams struct {
	// PersonalConnectorID keeps configurations of one connector
	// (personalConnectorId); "" keeps all.
	PersonalConnectorID string
	// Enabled keeps only enabled (true) or disabled (false) ones; nil keeps
	// all.
	Enabled *bool
	// HealthStatus keeps one health status; "" keeps all. It must be one of
	// the HealthStatus constants.
	HealthStatus HealthStatus
	// Limit is the page size, 1 to 100; 0 leaves the server's default (20)
	// for List, and asks for pages of 100 in ListAll.
	Limit int
	// After is the cursor: the ID of the last item already seen ("" starts
	// at the beginning).
	After string
	// DisablePrefetch makes ListAll ask for the next page only once the
	// loop has taken every item of this one, as before 0.4. By default
	// ListAll asks for page k+1 as soon as page k arrives, while the loop
	// works on page k's items. List ignores it; it is never sent.
	DisablePrefetch bool
}

// Page sizes of the list endpoint.
const (
	defaultListLimit = 20
	maxListLimit     = 100
)

// query checks the params and encodes them as the query string, in a fixed
// order. limit is what the server will use, for HasMore.
func (p *ListConfigurationsParams) query() (q string, limit int, err error) {
	switch {
	case p.Limit < 0 || p.Limit > maxListLimit:
		return "", 0, &ParamError{Field: "limit", Reason: "must be between 1 and 100 (0 for the server default), got " + strconv.Itoa(p.Limit)}
	case p.HealthStatus != "" && p.HealthStatus != HealthStatusHealthy && p.HealthStatus != HealthStatusUnhealthy && p.HealthStatus != HealthStatusUnknown:
		return "", 0, &ParamError{Field: "healthStatus", Reason: `must be "healthy", "unhealthy" or "unknown", got ` + strconv.Quote(string(p.HealthStatus))}
	}
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	if p.PersonalConnectorID != "" {
		add("personalConnectorId", p.PersonalConnectorID)
	}
	if p.Enabled != nil {
		add("enabled", strconv.FormatBool(*p.Enabled))
	}
	if p.HealthStatus != "" {
		add("healthStatus", string(p.HealthStatus))
	}
	limit = defaultListLimit
	if p.Limit > 0 {
		limit = p.Limit
		add("limit", strconv.Itoa(p.Limit))
	}
	if p.After != "" {
		add("after", p.After)
	}
	return b.String(), limit, nil
}

// validID checks a configuration ID before it goes into a path: nothing is
// sent for an ID that would change the path, the query or the fragment.
func validID(id string) error {
	switch {
	case id == "":
		return &ParamError{Field: "id", Reason: "is required"}
	case id == "." || id == "..":
		return &ParamError{Field: "id", Reason: "must not be a dot segment"}
	case strings.ContainsAny(id, "/?#"):
		return &ParamError{Field: "id", Reason: `must not contain "/", "?" or "#"`}
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return &ParamError{Field: "id", Reason: "must not contain control characters"}
		}
	}
	return nil
}
