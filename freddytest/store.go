package freddytest

import (
	"cmp"
	"slices"
	"time"

	freddy "github.com/aitronos/freddy-go"
)

// state is everything Reset forgets. It is guarded by Server.mu.
type state struct {
	records []*record // creation order, deleted ones removed
	byID    map[string]*record
	// ids mints configuration IDs that carry their creation number, so
	// that a cursor naming a deleted item still pages on without the
	// server remembering every ID it ever made.
	ids      idMinter
	replays  map[replayKey]replay
	expiries []expiry // replays in the order they were stored, for expiry
	expired  int      // replays expired since the map was last rebuilt
	windows  map[string]*window
	faults   []*queuedFault
	log      requestLog
}

func (st *state) init(logSize int) {
	*st = state{byID: map[string]*record{}, ids: newIDMinter(), replays: map[replayKey]replay{}, windows: map[string]*window{},
		log: requestLog{size: logSize}}
}

// record is a stored configuration. Maps hold JSON-decoded values and are
// never shared with a caller: they are deep-copied on the way in and out.
type record struct {
	id, connector, name string
	configuration       map[string]any
	credentials         map[string]any
	enabled             bool
	health              freddy.HealthStatus
	lastSyncAt          *time.Time
	lastError           *string
	description         *string
	metadata            map[string]any
	createdAt           time.Time
	updatedAt           time.Time
	// forced is the SetHealth override of the next health checks.
	forced *healthReport
	// seq is the creation number, the order List pages in.
	seq int
}

func (s *Server) add(rec *record) {
	s.records = append(s.records, rec)
	s.byID[rec.id] = rec
	s.held.stored()
}

func (s *Server) remove(id string) {
	rec, ok := s.byID[id]
	if !ok {
		return
	}
	delete(s.byID, id)
	s.held.retire(rec.credentials)
	if i := s.firstAfter(rec.seq - 1); i < len(s.records) && s.records[i] == rec {
		s.records = slices.Delete(s.records, i, i+1)
	}
}

// firstAfter is the position in records of the first configuration whose
// creation number is above seq. records is in creation order (numbers are
// taken and records added under s.mu), so a page after a cursor costs
// O(log n + page), not O(n).
func (s *Server) firstAfter(seq int) int {
	i, _ := slices.BinarySearchFunc(s.records, seq+1, func(rec *record, want int) int { return cmp.Compare(rec.seq, want) })
	return i
}

// after returns the position in records of the first configuration created
// after id, which may have been deleted since; false when id was never
// created.
func (s *Server) after(id string) (int, bool) {
	seq, ok := s.ids.seq(id)
	if !ok {
		return 0, false
	}
	return s.firstAfter(seq), true
}

// wire is the record as the lifecycle endpoints send it.
func (rec *record) wire() camelObject {
	var lastSync *string
	if rec.lastSyncAt != nil {
		t := formatTime(*rec.lastSyncAt)
		lastSync = &t
	}
	return camelObject{
		ID: rec.id, Object: objectType, UserID: DefaultUserID, OrganizationID: DefaultOrganizationID,
		PersonalConnectorID: rec.connector, Name: rec.name,
		Configuration: rec.configuration, Credentials: Redacted, Enabled: rec.enabled,
		HealthStatus: string(rec.health), LastSyncAt: lastSync, LastError: rec.lastError,
		Description: rec.description, Metadata: rec.metadata,
		CreatedAt: formatTime(rec.createdAt), UpdatedAt: formatTime(rec.updatedAt),
	}
}

// public is the record as the SDK would decode it from the wire.
func (rec *record) public() freddy.Configuration {
	return freddy.Configuration{
		ID: rec.id, Object: objectType, UserID: DefaultUserID, OrganizationID: DefaultOrganizationID,
		PersonalConnectorID: rec.connector, Name: rec.name,
		Configuration: copyObject(rec.configuration), Credentials: Redacted, Enabled: rec.enabled,
		HealthStatus: rec.health, LastSyncAt: clonePtr(rec.lastSyncAt), LastError: clonePtr(rec.lastError),
		Description: clonePtr(rec.description), Metadata: copyObject(rec.metadata),
		CreatedAt: rec.createdAt, UpdatedAt: rec.updatedAt,
	}
}

// Configurations returns the stored configurations, deleted ones excluded,
// oldest first, as the SDK would decode them: Credentials is Redacted,
// APIKeyID is nil, UserID and OrganizationID are DefaultUserID and
// DefaultOrganizationID, times are whole seconds in UTC, LastSyncAt is nil
// until a health check and LastError unless the last check was unhealthy,
// and RawJSON returns nil. The values are copies: changing them changes
// nothing on the server.
func (s *Server) Configurations() []freddy.Configuration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]freddy.Configuration, len(s.records))
	for i, rec := range s.records {
		out[i] = rec.public()
	}
	return out
}

// Configuration returns the stored configuration id, as Configurations
// describes, and false when id was never created or has been deleted.
func (s *Server) Configuration(id string) (freddy.Configuration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.byID[id]
	if !ok {
		return freddy.Configuration{}, false
	}
	return rec.public(), true
}

// Reset returns the server to its state after NewServer: it forgets stored
// configurations, health overrides, recorded requests, queued faults,
// idempotency records and rate-limit windows. Options are kept. Requests
// being served finish against whichever state they meet, and stalled ones
// stay stalled.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range s.records {
		s.held.retire(rec.credentials)
	}
	s.state.init(s.cfg.requestLog)
}

// copyObject deep-copies a JSON object; nil stays nil.
func copyObject(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return copyObject(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
