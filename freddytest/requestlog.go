package freddytest

import (
	"bytes"
	"net/http"
)

// DefaultRequestLog is how many requests a Server keeps for Requests when
// WithRequestLog does not say.
const DefaultRequestLog = 1000

// requestLog is a ring of the last size requests. It is guarded by
// Server.mu.
type requestLog struct {
	size  int
	ring  []Request
	next  int   // where the next request goes once the ring is full
	total int64 // requests received, logged or not
}

// add logs r with body, cut to maxRequestBody: readBody reads one byte more
// to tell an oversized body, and that byte is not kept. partial says body
// is not all the client sent (too long, or its read failed).
func (l *requestLog) add(r *http.Request, body []byte, partial bool) {
	l.total++
	if l.size <= 0 {
		return
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(),
		Body: bytes.Clone(body[:min(len(body), maxRequestBody)]), Proto: r.Proto, Seq: l.total, partial: partial}
	if len(l.ring) < l.size {
		l.ring = append(l.ring, req)
		return
	}
	l.ring[l.next] = req
	l.next = (l.next + 1) % l.size
}

// list returns copies of the logged requests, oldest first, and how many
// were dropped.
func (l *requestLog) list() ([]Request, int64) {
	out := make([]Request, 0, len(l.ring))
	for i := range l.ring {
		r := l.ring[(l.next+i)%len(l.ring)]
		out = append(out, Request{Method: r.Method, Path: r.Path, Header: r.Header.Clone(), Body: bytes.Clone(r.Body), Proto: r.Proto, Seq: r.Seq, partial: r.partial})
	}
	return out, l.total - int64(len(l.ring))
}

// Requests returns the last requests the server received since NewServer or
// the last Reset, faulted and refused ones included, oldest first: at most
// DefaultRequestLog of them, or what WithRequestLog says. The result is a
// copy. Control API requests (WithControlAPI) are not logged. How many older
// requests were dropped is DroppedRequests, and also Seq-1 of the first
// request returned.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, _ := s.log.list()
	return out
}

// DroppedRequests returns how many requests received since NewServer or the
// last Reset are no longer in Requests because the log was full (all of them
// with WithRequestLog(0)).
func (s *Server) DroppedRequests() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.total - int64(len(s.log.ring))
}
