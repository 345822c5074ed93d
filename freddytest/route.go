package freddytest

import (
	"net/http"
	"strings"
)

// basePath is the collection every endpoint lives under.
const basePath = "/v1/personal-connectors/configurations"

// handler serves one endpoint; id is "" for the collection.
type handler func(s *Server, x *exchange, id string) *reply

// routes maps each path shape to its methods; allow is the Allow header of a
// 405 on it.
var routes = map[string]struct {
	allow   string
	methods map[string]handler
}{
	"":            {"GET, POST", map[string]handler{http.MethodGet: (*Server).list, http.MethodPost: (*Server).create}},
	"{id}":        {"GET, PATCH, DELETE", map[string]handler{http.MethodGet: (*Server).get, http.MethodPatch: (*Server).update, http.MethodDelete: (*Server).delete}},
	"{id}/toggle": {"POST", map[string]handler{http.MethodPost: (*Server).toggle}},
	"{id}/test":   {"POST", map[string]handler{http.MethodPost: (*Server).test}},
}

// route serves an authenticated request. Unknown paths answer 404 NOT_FOUND
// and known paths with another method 405 METHOD_NOT_ALLOWED with Allow,
// both in the envelope; an unknown configuration ID is the endpoint's
// business (the short 404).
func (s *Server) route(x *exchange) *reply {
	shape, id, ok := parsePath(x.r.URL.Path)
	if !ok {
		e := errNoRoute
		e.systemMessage = "No route for " + x.r.URL.Path
		return x.envelope(http.StatusNotFound, e, nil)
	}
	rt := routes[shape]
	serve, ok := rt.methods[x.r.Method]
	if !ok {
		e := errMethod
		e.systemMessage = x.r.Method + " is not supported on this path"
		rep := x.envelope(http.StatusMethodNotAllowed, e, nil)
		rep.header.Set("Allow", rt.allow)
		return rep
	}
	// Checked for every endpoint, even those that ignore their body: a
	// request the server would only read in part is refused whole.
	if x.bodyErr != "" {
		return x.invalid(map[string]string{"body": x.bodyErr})
	}
	return serve(s, x, id)
}

// parsePath returns the shape of path (a key of routes) and the
// configuration ID in it.
func parsePath(path string) (shape, id string, ok bool) {
	rest, ok := strings.CutPrefix(path, basePath)
	if !ok {
		return "", "", false
	}
	if rest == "" {
		return "", "", true
	}
	parts := strings.Split(rest, "/") // rest starts with "/": parts[0] is ""
	if parts[0] != "" || parts[1] == "" || len(parts) > 3 {
		return "", "", false
	}
	if len(parts) == 2 {
		return "{id}", parts[1], true
	}
	if parts[2] == "toggle" || parts[2] == "test" {
		return "{id}/" + parts[2], parts[1], true
	}
	return "", "", false
}
