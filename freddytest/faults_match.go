package freddytest

import "strings"

// queuedFault is a Fault in the queue with what is left of its skips and
// failures.
type queuedFault struct {
	Fault
	skip int // matching requests still to let through
	used int // failures served
}

// matches reports whether a request with this method and path is one the
// fault names.
func (q *queuedFault) matches(method, path string) bool {
	if q.Method != "" && !strings.EqualFold(q.Method, method) {
		return false
	}
	if q.Path == "" {
		return true
	}
	shape, _, ok := parsePath(path)
	return ok && routeTemplate(shape) == normalizeTemplate(q.Path)
}

// exhausted reports whether the fault has served every failure it was
// given.
func (q *queuedFault) exhausted() bool {
	switch {
	case q.Count < 0:
		return false
	case q.Count == 0:
		return q.used >= 1
	}
	return q.used >= q.Count
}

// routeTemplate writes a routes key as Fault.Path spells it.
func routeTemplate(shape string) string { return "/" + shape }

// normalizeTemplate accepts a template with or without the base path and
// with or without a trailing slash after the base.
func normalizeTemplate(p string) string {
	p = strings.TrimPrefix(p, basePath)
	if p == "" {
		return "/"
	}
	return p
}

// validTemplate reports whether p names a route (after normalizeTemplate)
// as routeTemplate spells it, leading slash included: matches compares the
// two spellings, so a template that passed here without its slash
// ("{id}/test") would never match a request.
func validTemplate(p string) bool {
	if p == "" {
		return true
	}
	shape, ok := strings.CutPrefix(normalizeTemplate(p), "/")
	if !ok {
		return false
	}
	_, ok = routes[shape]
	return ok
}

// nextFault finds the fault a request with method and path takes, as Inject
// describes. The caller holds s.mu.
func (s *Server) nextFault(method, path string) (Fault, bool) {
	for i, q := range s.faults {
		if !q.matches(method, path) {
			continue
		}
		if q.skip > 0 {
			q.skip--
			return Fault{}, false
		}
		q.used++
		if q.exhausted() {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return q.Fault, true
	}
	return Fault{}, false
}
