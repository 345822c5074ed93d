package freddytest

import "net/http"

// list serves GET …/configurations: filters, then a page of at most limit
// items after the cursor, in creation order.
func (s *Server) list(x *exchange, _ string) *reply {
	q, errs := validateList(x.r.URL.Query())
	s.mu.Lock()
	defer s.mu.Unlock()
	from := 0
	if q.after != "" {
		i, ok := s.after(q.after)
		if !ok {
			errs["after"] = "must be the ID of a configuration created on this server"
		}
		from = i
	}
	if len(errs) > 0 {
		return x.invalid(errs)
	}
	page := listPage{Object: "list", Data: []camelObject{}}
	for _, rec := range s.records[from:] {
		if !q.matches(rec) {
			continue
		}
		if len(page.Data) == q.limit {
			page.HasMore = true
			break
		}
		page.Data = append(page.Data, rec.wire())
	}
	if n := len(page.Data); n > 0 {
		page.FirstID, page.LastID = &page.Data[0].ID, &page.Data[n-1].ID
	}
	return jsonReply(http.StatusOK, page)
}

func (q listQuery) matches(rec *record) bool {
	return (q.connector == "" || rec.connector == q.connector) &&
		(q.enabled == nil || rec.enabled == *q.enabled) &&
		(q.health == "" || string(rec.health) == q.health)
}
