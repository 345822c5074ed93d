package freddytest

import (
	"net/http"
	"strings"
	"time"
)

// get serves GET …/configurations/{id}.
func (s *Server) get(_ *exchange, id string) *reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.byID[id]
	if !ok {
		return notFound(id)
	}
	return jsonReply(http.StatusOK, rec.wire())
}

// update serves PATCH …/configurations/{id}. The configuration and metadata
// objects are merged one level deep: each key sent replaces or adds, a key
// sent as null is removed. Credentials replace the stored ones after a check
// that fails on any string value containing "invalid", in any case.
func (s *Server) update(x *exchange, id string) *reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.byID[id]
	if !ok {
		return notFound(id)
	}
	p, errs := validateUpdate(x.body)
	if len(errs) > 0 {
		return x.invalid(errs)
	}
	if p.credentials != nil && holdsInvalid(p.credentials) {
		return shortError(http.StatusBadRequest, "validation_error",
			"Failed to validate credentials for "+strings.TrimPrefix(rec.connector, "pcon_")+": 401 Unauthorized - Invalid token.", "invalid_credentials")
	}
	if p.name != nil {
		rec.name = *p.name
	}
	if p.description != nil {
		rec.description = p.description
	}
	merge(rec.configuration, p.configuration)
	merge(rec.metadata, p.metadata)
	if p.credentials != nil {
		s.held.retire(rec.credentials)
		rec.credentials = p.credentials
		s.held.stored()
	}
	rec.updatedAt = x.now.Truncate(time.Second)
	return jsonReply(http.StatusOK, rec.wire())
}

// merge applies patch to m one level deep; a nil value removes the key.
func merge(m, patch map[string]any) {
	for k, v := range patch {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
}

// toggle serves POST …/configurations/{id}/toggle.
func (s *Server) toggle(x *exchange, id string) *reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.byID[id]
	if !ok {
		return notFound(id)
	}
	enabled, errs := validateToggle(x.body)
	if len(errs) > 0 {
		return x.invalid(errs)
	}
	rec.enabled = enabled
	rec.updatedAt = x.now.Truncate(time.Second)
	return jsonReply(http.StatusOK, rec.wire())
}

// delete serves DELETE …/configurations/{id}. Idempotency records of the
// create stay: a replayed create answers as it first did.
func (s *Server) delete(_ *exchange, id string) *reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[id]; !ok {
		return notFound(id)
	}
	s.remove(id)
	return jsonReply(http.StatusOK, deleted{ID: id, Object: objectType, Deleted: true})
}
