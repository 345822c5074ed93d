package freddy

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/aitronos/freddy-go/internal/redact"
)

// The decoders below read every 2xx shape the contract documents (the
// lifecycle page's "Tolerance rules"): the {"success":true,"data":…}
// envelope or the bare object, a list as a list object or a bare array, each
// documented field in camelCase or snake_case (the Create page's spelling
// wins when both are present), and credentials as a string or an object,
// never kept. Each decodes the body in one pass on the common path; RawJSON
// finds objects in the body only when called.

// wireConfiguration is the configuration object with every documented
// spelling. The twins of the Create page's spellings are read, never written.
type wireConfiguration struct {
	ID                       string              `json:"id"`
	Object                   string              `json:"object"`
	UserID                   string              `json:"userId"`
	UserIDSnake              string              `json:"user_id,omitempty"`
	APIKeyID                 nullable[string]    `json:"apiKeyId"`
	APIKeyIDSnake            *string             `json:"api_key_id,omitempty"`
	OrganizationID           string              `json:"organization_id"`
	OrganizationIDCamel      string              `json:"organizationId,omitempty"`
	PersonalConnectorID      string              `json:"personalConnectorId"`
	PersonalConnectorIDSnake string              `json:"personal_connector_id,omitempty"`
	Name                     string              `json:"name"`
	Configuration            map[string]any      `json:"configuration"`
	Credentials              redact.Discarded    `json:"credentials"`
	Enabled                  bool                `json:"enabled"`
	HealthStatus             HealthStatus        `json:"healthStatus"`
	HealthStatusSnake        HealthStatus        `json:"health_status,omitempty"`
	LastSyncAt               nullable[time.Time] `json:"lastSyncAt"`
	LastSyncAtSnake          *time.Time          `json:"last_sync_at,omitempty"`
	LastError                nullable[string]    `json:"lastError"`
	LastErrorSnake           *string             `json:"last_error,omitempty"`
	Description              *string             `json:"description"`
	Metadata                 map[string]any      `json:"metadata"`
	CreatedAt                time.Time           `json:"created_at"`
	CreatedAtCamel           *time.Time          `json:"createdAt,omitempty"`
	UpdatedAt                time.Time           `json:"updated_at"`
	UpdatedAtCamel           *time.Time          `json:"updatedAt,omitempty"`
}

func (w *wireConfiguration) toConfiguration(raw *rawRef) Configuration {
	return Configuration{
		ID: w.ID, Object: w.Object,
		UserID:              firstNonZero(w.UserID, w.UserIDSnake),
		APIKeyID:            w.APIKeyID.or(w.APIKeyIDSnake),
		OrganizationID:      firstNonZero(w.OrganizationID, w.OrganizationIDCamel),
		PersonalConnectorID: firstNonZero(w.PersonalConnectorID, w.PersonalConnectorIDSnake),
		Name:                w.Name, Configuration: w.Configuration,
		Credentials:  redact.Marker,
		Enabled:      w.Enabled,
		HealthStatus: firstNonZero(w.HealthStatus, w.HealthStatusSnake),
		LastSyncAt:   w.LastSyncAt.or(w.LastSyncAtSnake),
		LastError:    w.LastError.or(w.LastErrorSnake),
		Description:  w.Description, Metadata: w.Metadata,
		CreatedAt: firstNonZero(w.CreatedAt, deref(w.CreatedAtCamel)),
		UpdatedAt: firstNonZero(w.UpdatedAt, deref(w.UpdatedAtCamel)),
		raw:       raw,
	}
}

// objectBody is a configuration bare or in the envelope: the envelope's
// members and the object's never share a name, so one pass reads either.
type objectBody struct {
	Success *bool              `json:"success"`
	Data    *wireConfiguration `json:"data"`
	wireConfiguration
}

// decodeConfiguration decodes the body of Create, Get, Update and toggle.
// Anything but one configuration with an id is an error: a caller never gets
// a partial or zero Configuration. Like every decoder here it keeps body for
// RawJSON: the caller hands it over.
func decodeConfiguration(body []byte) (*Configuration, *DecodeError) {
	c, derr := decodeObject(body)
	if derr == nil && c.ID == "" {
		return nil, bodyError(`response holds no configuration with an "id"`)
	}
	return c, derr
}

// decodeObject reads a configuration object, bare or enveloped, with or
// without an id: Configuration.UnmarshalJSON reads a caller's own values
// with it.
func decodeObject(body []byte) (*Configuration, *DecodeError) {
	// json.Unmarshal moves its target to the heap: an objectBody (about
	// 650 bytes, the largest allocation of a Create) is reused instead.
	b := objectBodies.Get().(*objectBody)
	defer func() {
		// Nothing decoded stays reachable from the pool: the caller's
		// Configuration owns its maps.
		*b = objectBody{}
		objectBodies.Put(b)
	}()
	if !b.fast(body) {
		// What the fast reader does not read (objectfast.go) encoding/json
		// reads, from the start.
		*b = objectBody{}
		if err := json.Unmarshal(body, b); err != nil {
			return nil, jsonDecodeError(body, err)
		}
	}
	w, depth, derr := unwrap(b.Success, b.Data, &b.wireConfiguration)
	if derr != nil {
		return nil, derr
	}
	c := w.toConfiguration(&rawRef{body: body, depth: depth, item: -1})
	return &c, nil
}

var objectBodies = sync.Pool{New: func() any { return new(objectBody) }}

// wireList is a list object, or the envelope with the array as its data.
// T is wireConfiguration, or wireID where only the cursor is read.
type wireList[T any] struct {
	Success *bool `json:"success"`
	Data    []T   `json:"data"`
	// The page's own spelling may be null, which then wins over its
	// snake_case twin (nullable.go).
	HasMore      nullable[bool]   `json:"hasMore"`
	HasMoreSnake *bool            `json:"has_more"`
	FirstID      nullable[string] `json:"firstId"`
	FirstIDSnake *string          `json:"first_id"`
	LastID       nullable[string] `json:"lastId"`
	LastIDSnake  *string          `json:"last_id"`
}

// decodeList decodes the body of List. limit is the page size asked for,
// which decides HasMore when the server does not say.
func decodeList(body []byte, limit int) (*ConfigurationPage, *DecodeError) {
	return decodeScannedList(body, scanList(body), limit)
}

// decodeScannedList is decodeList from the body's scan: a page
// decodeListItems reads (the common shapes) has its items decoded apart, a
// large one in two halves on two goroutines; any other body, and any body
// it refuses, is read by decodeWholeList, whose errors are the ones a
// caller gets.
func decodeScannedList(body []byte, sc *listScan, limit int) (*ConfigurationPage, *DecodeError) {
	if p, ok := decodeListItems(body, sc, limit); ok {
		return p, nil
	}
	return decodeWholeList(body, limit)
}

// decodeWholeList decodes a List body in one json.Unmarshal, in every shape
// the contract documents.
func decodeWholeList(body []byte, limit int) (*ConfigurationPage, *DecodeError) {
	var l wireList[wireConfiguration]
	pageDepth, itemDepth := 0, 1
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(body, &l.Data); err != nil {
			return nil, jsonDecodeError(body, err)
		}
		itemDepth = 0
	} else if err := json.Unmarshal(body, &l); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) || typeErr.Field != "data" || typeErr.Value != "object" {
			return nil, jsonDecodeError(body, err)
		}
		// The envelope around a list object: the rare shape pays a second pass.
		var env struct {
			Success *bool                        `json:"success"`
			Data    *wireList[wireConfiguration] `json:"data"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, jsonDecodeError(body, err)
		}
		inner, _, derr := unwrap(env.Success, env.Data, &wireList[wireConfiguration]{})
		if derr != nil {
			return nil, derr
		}
		l, pageDepth, itemDepth = *inner, 1, 2
	}
	if l.Success != nil && !*l.Success {
		return nil, bodyError(`response says "success": false`)
	}
	if l.Data == nil {
		return nil, bodyError(`response holds no "data" array`)
	}
	return listPage(body, &l, pageDepth, itemDepth, limit)
}

// listPage is the ConfigurationPage of a decoded list body whose items sit
// at itemDepth and the page's members at pageDepth (for RawJSON).
func listPage(body []byte, l *wireList[wireConfiguration], pageDepth, itemDepth, limit int) (*ConfigurationPage, *DecodeError) {
	data := l.Data
	items := make([]Configuration, len(data))
	refs := make([]rawRef, len(data))
	p := &ConfigurationPage{Data: make([]*Configuration, len(data)), raw: &rawRef{body: body, depth: pageDepth, item: -1}}
	for i := range data {
		w := &data[i]
		if w.ID == "" {
			return nil, bodyError("response item " + strconv.Itoa(i) + ` has no "id"`)
		}
		refs[i] = rawRef{body: body, depth: itemDepth, item: i}
		items[i] = w.toConfiguration(&refs[i])
		p.Data[i] = &items[i]
	}
	p.HasMore, p.FirstID, p.LastID = l.ends(len(data), func(i int) string { return data[i].ID }, limit)
	return p, nil
}

// ends applies the paging rules to a page of n items, id(i) being the i-th
// item's ID: whether more follow (the page says, else a full page means
// yes) and its first and last IDs (the page's own, else its items').
func (l *wireList[T]) ends(n int, id func(int) string, limit int) (hasMore bool, first, last string) {
	if more := l.HasMore.or(l.HasMoreSnake); more != nil {
		hasMore = *more
	} else {
		hasMore = n > 0 && n >= limit
	}
	first, last = deref(l.FirstID.or(l.FirstIDSnake)), deref(l.LastID.or(l.LastIDSnake))
	if n > 0 {
		first, last = firstNonZero(first, id(0)), firstNonZero(last, id(n-1))
	}
	return hasMore, first, last
}

// wireTestResult is a health check result in either spelling.
type wireTestResult struct {
	Status        HealthStatus    `json:"status"`
	Message       string          `json:"message"`
	Details       wireTestDetails `json:"details"`
	TestedAt      time.Time       `json:"testedAt"`
	TestedAtSnake time.Time       `json:"tested_at"`
}

type wireTestDetails struct {
	ServerURL           string   `json:"serverUrl"`
	ServerURLSnake      string   `json:"server_url"`
	ServerType          string   `json:"serverType"`
	ServerTypeSnake     string   `json:"server_type"`
	ServerVersion       string   `json:"serverVersion"`
	ServerVersionSnake  string   `json:"server_version"`
	ResponseTimeMs      *float64 `json:"responseTimeMs"`
	ResponseTimeMsSnake *float64 `json:"response_time_ms"`
	AvailableTools      *float64 `json:"availableTools"`
	AvailableToolsSnake *float64 `json:"available_tools"`
}

type testResultBody struct {
	Success *bool           `json:"success"`
	Data    *wireTestResult `json:"data"`
	wireTestResult
}

// decodeTestResult decodes the body of Test.
func decodeTestResult(body []byte) (*TestResult, *DecodeError) {
	var b testResultBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, jsonDecodeError(body, err)
	}
	w, depth, derr := unwrap(b.Success, b.Data, &b.wireTestResult)
	if derr != nil {
		return nil, derr
	}
	if w.Status == "" {
		return nil, bodyError(`response holds no test result with a "status"`)
	}
	d := &w.Details
	return &TestResult{
		Status: w.Status, Message: w.Message,
		Details: TestDetails{
			ServerURL:      firstNonZero(d.ServerURL, d.ServerURLSnake),
			ServerType:     firstNonZero(d.ServerType, d.ServerTypeSnake),
			ServerVersion:  firstNonZero(d.ServerVersion, d.ServerVersionSnake),
			ResponseTime:   time.Duration(deref(firstNonZero(d.ResponseTimeMs, d.ResponseTimeMsSnake)) * float64(time.Millisecond)),
			AvailableTools: int(deref(firstNonZero(d.AvailableTools, d.AvailableToolsSnake))),
		},
		TestedAt: firstNonZero(w.TestedAt, w.TestedAtSnake),
		raw:      &rawRef{body: body, depth: depth, item: -1},
	}, nil
}

// decodeDeleted checks the answer to Delete. Success is what the lifecycle
// page documents: a 204 with an empty body, or a 200 whose object, bare or
// in the envelope, says "deleted": true. Anything else (another 2xx, an
// empty 200, a body that says nothing or says otherwise) is an error naming
// why: a body that does not say the configuration is gone must not pass for
// its deletion.
func decodeDeleted(status int, body []byte) *DecodeError {
	empty := len(bytes.TrimSpace(body)) == 0
	switch {
	case status == http.StatusNoContent && empty:
		return nil
	case status == http.StatusNoContent:
		return bodyError("a 204 response has a body")
	case status != http.StatusOK:
		return bodyError("Delete answers 200 or 204, not " + strconv.Itoa(status))
	case empty:
		return bodyError(`response is empty: a 200 must say "deleted": true`)
	}
	type deleted struct {
		Deleted *bool `json:"deleted"`
	}
	var b struct {
		Success *bool    `json:"success"`
		Data    *deleted `json:"data"`
		deleted
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return jsonDecodeError(body, err)
	}
	if derr := errorBodyOn2xx(b.Error); derr != nil {
		return derr
	}
	d, _, derr := unwrap(b.Success, b.Data, &b.deleted)
	if derr != nil {
		return derr
	}
	switch {
	case d.Deleted == nil:
		return bodyError(`response does not say "deleted": true`)
	case !*d.Deleted:
		return bodyError(`response says "deleted": false`)
	}
	return nil
}

// errorBodyOn2xx refuses a 2xx whose body is the short error body
// ({"error": {…}}): it says the operation failed, whatever its status.
func errorBodyOn2xx(member json.RawMessage) *DecodeError {
	if len(member) == 0 || string(member) == "null" {
		return nil
	}
	return bodyError(`response is an error body (an "error" member)`)
}

// unwrap picks the object out of a body read as either the envelope or the
// bare object: the envelope's data when it has one, else the bare object
// (depth 0). "success": false on a 2xx is an error.
func unwrap[T any](success *bool, data, bare *T) (obj *T, depth int, derr *DecodeError) {
	switch {
	case success != nil && !*success:
		return nil, 0, bodyError(`response says "success": false`)
	case data != nil:
		return data, 1, nil
	}
	return bare, 0, nil
}

// jsonDecodeError and bodyError leave the snippet to the request path, which
// scrubs the whole body of secrets before cutting it.
func jsonDecodeError(body []byte, err error) *DecodeError {
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) || len(bytes.TrimSpace(body)) == 0 {
		return &DecodeError{Reason: "response is not valid JSON", Err: err}
	}
	// A wrong type or an unparsable time inside valid JSON.
	return &DecodeError{Reason: "response does not match the documented schema", Err: redact.DecodeCause(err)}
}

func bodyError(reason string) *DecodeError {
	return &DecodeError{Reason: reason}
}

// firstNonZero returns a unless it is the zero value: the documented
// spelling wins when a server sends both.
func firstNonZero[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

func deref[T any](p *T) T {
	var zero T
	if p != nil {
		return *p
	}
	return zero
}
