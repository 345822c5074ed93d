package freddy

import "net/http"

// redactedValue stands in for the API key in the request an Observer sees.
const redactedValue = "[REDACTED]"

// observeAttempt runs one attempt through the Observer, which is given a
// view of r that holds no secret: X-Api-Key redacted, no body (http.NoBody;
// ContentLength as sent). The request it passes to next is sent with r's
// real key and body, and whatever else the Observer added (a traceparent).
func observeAttempt(obs CallObserver, r *http.Request, send MiddlewareNext) (*http.Response, error) {
	view := r.WithContext(r.Context())
	view.Header = r.Header.Clone()
	if _, ok := view.Header["X-Api-Key"]; ok {
		view.Header["X-Api-Key"] = []string{redactedValue}
	}
	view.Body, view.GetBody = http.NoBody, nil
	return obs.Attempt(view, func(v *http.Request) (*http.Response, error) {
		out := v.WithContext(v.Context())
		out.Header = v.Header.Clone()
		if key, ok := r.Header["X-Api-Key"]; ok {
			out.Header["X-Api-Key"] = key
		}
		out.Body, out.GetBody = r.Body, r.GetBody
		return send(out)
	})
}
