package emulator

import (
	"net/http"
	"strconv"
	"time"
)

// partialBody is the start of a success body, cut where a decoder would
// otherwise see half an object.
const partialBody = `{"success":true,"data":{"id":"pconf_partial","object":"personal_connector.configuration",`

func (e *Emulator) serveFault(w http.ResponseWriter, r *http.Request, f Fault, trace string) {
	switch f.Kind {
	case FaultServerError:
		writeError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "server_error",
			"An unexpected error occurred. Please try again later.", "Database connection timeout", trace, nil)
	case FaultBadGatewayHTML:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n"))
	case FaultRateLimit:
		now := e.cfg.Now()
		writeRateLimit(w, f.RetryAfter, 100, now.Add(f.RetryAfter), trace)
	case FaultDrop:
		hijackAndClose(w)
	case FaultStall:
		e.stall(r, f.Stall)
	case FaultStallBody:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "4096")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(partialBody))
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		e.stall(r, f.Stall)
	case FaultTruncate:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(partialBody)*4))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(partialBody))
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		hijackAndClose(w)
	}
}

// stall waits for the client to give up, for Release, or for d if positive.
func (e *Emulator) stall(r *http.Request, d time.Duration) {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-r.Context().Done():
	case <-e.done:
	case <-timeout:
	}
}

func hijackAndClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): abort the stream instead.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
