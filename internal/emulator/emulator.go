// Package emulator is an in-memory Freddy API server implementing
// POST /v1/personal-connectors/configurations as the reference page
// documents it: auth, validation, the success body, idempotency keys, rate
// limiting, and faults injected on demand. The SDK's tests and examples run
// the real client against it over a loopback socket.
package emulator

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Path is the one endpoint the emulator serves.
const Path = "/v1/personal-connectors/configurations"

// DefaultAPIKey is the key a Server accepts when Config.APIKeys is empty.
const DefaultAPIKey = "fk_emulator_0123456789abcdef"

// maxRequestBody bounds what the emulator reads of a request.
const maxRequestBody = 1 << 20

// Config configures an Emulator. The zero value accepts DefaultAPIKey and
// applies no rate limit.
type Config struct {
	// APIKeys are the accepted keys; empty means {DefaultAPIKey}.
	APIKeys []string
	// RateLimit is the requests allowed per Window for each key; 0 is no limit.
	RateLimit int
	// Window is the rate-limit window; 0 means one minute.
	Window time.Duration
	// Now is the emulator's clock; nil means time.Now.
	Now func() time.Time
	// UserID and OrganizationID fill the created objects.
	UserID, OrganizationID string
	// Forbidden lists personal connector IDs the keys may not configure:
	// creating one answers the documented 403.
	Forbidden []string
}

// FaultKind is a failure the emulator can inject.
type FaultKind int

// Injectable faults. Injected faults answer before auth and idempotency, the
// way a failing proxy or an overloaded server would.
const (
	// FaultServerError answers the documented 500 envelope.
	FaultServerError FaultKind = iota
	// FaultBadGatewayHTML answers 502 with an HTML page, as a proxy does.
	FaultBadGatewayHTML
	// FaultRateLimit answers the documented 429 with Fault.RetryAfter.
	FaultRateLimit
	// FaultDrop closes the connection without answering.
	FaultDrop
	// FaultStall answers nothing until the client gives up (or Fault.Stall).
	FaultStall
	// FaultStallBody sends the status line and part of a 200 body, then stalls.
	FaultStallBody
	// FaultTruncate sends part of a 200 body with a longer Content-Length and
	// closes the connection.
	FaultTruncate
)

// Fault is one injected failure.
type Fault struct {
	Kind FaultKind
	// RetryAfter is sent with FaultRateLimit, in the body and the header;
	// it is rounded up to whole seconds.
	RetryAfter time.Duration
	// Stall bounds FaultStall and FaultStallBody; 0 waits for the client.
	Stall time.Duration
}

// Request is what the emulator saw of one request.
type Request struct {
	Header http.Header
	Body   []byte
}

// Configuration is a stored configuration: the documented object.
type Configuration struct {
	ID                  string         `json:"id"`
	Object              string         `json:"object"`
	UserID              string         `json:"userId"`
	APIKeyID            *string        `json:"apiKeyId"`
	OrganizationID      string         `json:"organization_id"`
	PersonalConnectorID string         `json:"personalConnectorId"`
	Name                string         `json:"name"`
	Configuration       map[string]any `json:"configuration"`
	Credentials         string         `json:"credentials"`
	Enabled             bool           `json:"enabled"`
	HealthStatus        string         `json:"healthStatus"`
	LastSyncAt          *time.Time     `json:"lastSyncAt"`
	LastError           *string        `json:"lastError"`
	Description         *string        `json:"description"`
	Metadata            map[string]any `json:"metadata"`
	CreatedAt           time.Time      `json:"created_at"`
	UpdatedAt           time.Time      `json:"updated_at"`
}

// Emulator is an http.Handler serving the endpoint. It is safe for
// concurrent use.
type Emulator struct {
	cfg  Config
	keys map[string]bool

	mu          sync.Mutex
	faults      []Fault
	requests    []Request
	stored      []Configuration
	idempotent  map[string]replay
	windowStart time.Time
	windowCount map[string]int
	done        chan struct{}
	closeOnce   sync.Once
}

// replay is a stored response for an idempotency key.
type replay struct {
	bodyHash [32]byte
	response []byte
}

// New returns an Emulator for cfg.
func New(cfg Config) *Emulator {
	if len(cfg.APIKeys) == 0 {
		cfg.APIKeys = []string{DefaultAPIKey}
	}
	if cfg.Window <= 0 {
		cfg.Window = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UserID == "" {
		cfg.UserID = "user_emulator"
	}
	if cfg.OrganizationID == "" {
		cfg.OrganizationID = "org_emulator"
	}
	e := &Emulator{cfg: cfg, keys: map[string]bool{}, idempotent: map[string]replay{},
		windowCount: map[string]int{}, done: make(chan struct{})}
	for _, k := range cfg.APIKeys {
		e.keys[k] = true
	}
	return e
}

// Inject queues fault for the next n requests, after any already queued.
func (e *Emulator) Inject(f Fault, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for range n {
		e.faults = append(e.faults, f)
	}
}

// Configurations returns a copy of the configurations created so far.
func (e *Emulator) Configurations() []Configuration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Configuration(nil), e.stored...)
}

// Requests returns a copy of every request received so far.
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Request(nil), e.requests...)
}

// Release ends every stalled request and every later stall at once.
func (e *Emulator) Release() {
	e.closeOnce.Do(func() { close(e.done) })
}

// ServeHTTP implements the endpoint.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	trace := newID("req_")
	w.Header().Set("X-Request-Id", trace)
	body, err := readRequestBody(w, r)

	e.mu.Lock()
	e.requests = append(e.requests, Request{Header: r.Header.Clone(), Body: body})
	var fault *Fault
	if len(e.faults) > 0 {
		fault = &e.faults[0]
		e.faults = e.faults[1:]
	}
	e.mu.Unlock()

	if fault != nil {
		e.serveFault(w, r, *fault, trace)
		return
	}
	if r.URL.Path != Path {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "not_found_error", "Resource not found.", "No route for "+r.URL.Path, trace, nil)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "invalid_request_error", "Method not allowed.", r.Method+" is not supported", trace, nil)
		return
	}
	key, ok := e.authenticate(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication_error",
			"Authentication required. Please provide a valid API key.", "Missing or invalid authorization header", trace, nil)
		return
	}
	if e.rateLimited(w, key, trace) {
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "validation_error", "Invalid request parameters",
			"Validation failed", trace, map[string]any{"fields": map[string]any{"body": err.Error()}})
		return
	}
	e.create(w, r, key, body, trace)
}

func readRequestBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		return buf.Bytes(), fmt.Errorf("request body unreadable or over %d bytes", maxRequestBody)
	}
	return buf.Bytes(), nil
}

func (e *Emulator) authenticate(r *http.Request) (string, bool) {
	key := r.Header.Get("X-API-Key")
	if key == "" {
		if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			key = strings.TrimSpace(token)
		}
	}
	return key, key != "" && e.keys[key]
}

// rateLimited counts the request in a fixed window per key and answers the
// documented 429 when the window is full. It sets the x-ratelimit-* headers
// on every response.
func (e *Emulator) rateLimited(w http.ResponseWriter, key, trace string) bool {
	if e.cfg.RateLimit <= 0 {
		return false
	}
	now := e.cfg.Now()
	e.mu.Lock()
	if e.windowStart.IsZero() || now.Sub(e.windowStart) >= e.cfg.Window {
		e.windowStart = now
		clear(e.windowCount)
	}
	e.windowCount[key]++
	used := e.windowCount[key]
	reset := e.windowStart.Add(e.cfg.Window)
	e.mu.Unlock()

	remaining := max(0, e.cfg.RateLimit-used)
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(e.cfg.RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if used <= e.cfg.RateLimit {
		return false
	}
	writeRateLimit(w, reset.Sub(now), e.cfg.RateLimit, reset, trace)
	return true
}

func writeRateLimit(w http.ResponseWriter, after time.Duration, limit int, reset time.Time, trace string) {
	secs := int(math.Ceil(after.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED", "rate_limit_error",
		"Too many requests. Please try again later.", "Rate limit exceeded for endpoint", trace,
		map[string]any{"retry_after": secs, "limit": limit, "remaining": 0, "reset_at": reset.UTC().Format(time.RFC3339)})
}

func (e *Emulator) create(w http.ResponseWriter, r *http.Request, apiKey string, body []byte, trace string) {
	idemKey := r.Header.Get("Idempotency-Key")
	hash := sha256.Sum256(body)
	slot := apiKey + "\x00" + idemKey

	// The lock is held until the configuration is stored, so two attempts
	// with one key cannot both create.
	e.mu.Lock()
	defer e.mu.Unlock()
	if idemKey != "" {
		if prev, ok := e.idempotent[slot]; ok {
			if prev.bodyHash != hash {
				writeError(w, http.StatusConflict, "IDEMPOTENCY_KEY_REUSED", "idempotency_error",
					"This Idempotency-Key was already used with a different request body.",
					"Idempotency key reused with different parameters", trace, map[string]any{"idempotency_key": idemKey})
				return
			}
			w.Header().Set("Idempotent-Replayed", "true")
			writeJSON(w, http.StatusOK, prev.response)
			return
		}
	}
	p, fields := validate(body)
	if len(fields) > 0 {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "validation_error", "Invalid request parameters",
			"Validation failed", trace, map[string]any{"fields": fields})
		return
	}
	if slices.Contains(e.cfg.Forbidden, p.PersonalConnectorID) {
		writeError(w, http.StatusForbidden, "FORBIDDEN", "authorization_error",
			"You do not have permission to perform this action.", "Insufficient permissions", trace, nil)
		return
	}
	now := e.cfg.Now().UTC().Truncate(time.Second)
	c := Configuration{
		ID: newID("pconf_"), Object: "personal_connector.configuration",
		UserID: e.cfg.UserID, OrganizationID: e.cfg.OrganizationID,
		PersonalConnectorID: p.PersonalConnectorID, Name: p.Name,
		Configuration: p.Configuration, Credentials: "***REDACTED***",
		Enabled: p.Enabled == nil || *p.Enabled, HealthStatus: "unknown",
		Description: p.Description, Metadata: p.Metadata,
		CreatedAt: now, UpdatedAt: now,
	}
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	resp, err := json.Marshal(map[string]any{"success": true, "data": c})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "server_error",
			"An unexpected error occurred. Please try again later.", err.Error(), trace, nil)
		return
	}
	e.stored = append(e.stored, c)
	if idemKey != "" {
		e.idempotent[slot] = replay{bodyHash: hash, response: resp}
	}
	writeJSON(w, http.StatusOK, resp)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes the documented error envelope.
func writeError(w http.ResponseWriter, status int, code, typ, msg, sysMsg, trace string, details map[string]any) {
	e := map[string]any{
		"code": code, "message": msg, "system_message": sysMsg, "type": typ,
		"status": status, "trace_id": trace, "timestamp": time.Now().UTC().Format(time.RFC3339),
	}
	if details != nil {
		e["details"] = details
	}
	body, _ := json.Marshal(map[string]any{"success": false, "error": e})
	writeJSON(w, status, body)
}

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
