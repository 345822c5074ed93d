package freddytest

import (
	"crypto/sha256"
	"net/http"
	"slices"
	"time"

	freddy "github.com/aitronos/freddy-go"
)

// replayKey scopes an Idempotency-Key to the API key that sent it, so two
// callers cannot see each other's responses.
type replayKey struct{ apiKey, idempotencyKey string }

// replay is the first successful response to an idempotency key.
type replay struct {
	bodyHash [sha256.Size]byte
	body     []byte
	expires  time.Time
}

// create serves POST /v1/personal-connectors/configurations.
//
// Only a successful create is recorded against its Idempotency-Key: a
// request refused with 400 or 403 can be corrected and sent again with the
// same key.
func (s *Server) create(x *exchange, _ string) *reply {
	idemKey := x.r.Header.Get("Idempotency-Key")
	if s.cfg.noIdempotency {
		idemKey = ""
	}
	hash := sha256.Sum256(x.body)
	slot := replayKey{x.key, idemKey}

	// One lock from the look-up to the store: two attempts with one key
	// cannot both create.
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireReplays(x.now)
	if idemKey != "" {
		if prev, ok := s.replays[slot]; ok {
			if prev.bodyHash != hash {
				return x.envelope(http.StatusConflict, errIdempotency, map[string]any{"idempotency_key": idemKey})
			}
			rep := &reply{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}, body: prev.body}
			rep.header.Set("Idempotent-Replayed", "true")
			return rep
		}
	}
	p, errs := validateCreate(x.body)
	if len(errs) > 0 {
		return x.invalid(errs)
	}
	if slices.Contains(s.cfg.forbidden, p.personalConnectorID) {
		return x.envelope(http.StatusForbidden, errForbidden, nil)
	}
	now := x.now.Truncate(time.Second)
	rec := &record{
		connector: p.personalConnectorID, name: p.name,
		configuration: p.configuration, credentials: p.credentials,
		enabled: p.enabled == nil || *p.enabled, health: freddy.HealthStatusUnknown,
		description: p.description, metadata: p.metadata,
		createdAt: now, updatedAt: now,
	}
	if rec.configuration == nil {
		rec.configuration = map[string]any{}
	}
	if rec.metadata == nil {
		rec.metadata = map[string]any{}
	}
	rec.id, rec.seq = s.ids.next()
	rep := jsonReply(http.StatusOK, map[string]any{"success": true, "data": createdObject(rec.wire())})
	s.add(rec)
	if idemKey != "" {
		s.storeReplay(slot, replay{bodyHash: hash, body: rep.body}, x.now)
	}
	return rep
}
