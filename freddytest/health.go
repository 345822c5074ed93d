package freddytest

import (
	"net/http"
	"strings"
	"time"

	freddy "github.com/aitronos/freddy-go"
)

// The documented health check messages.
const (
	healthyMessage   = "Connection successful. MCP server is responding correctly."
	unhealthyMessage = "Authentication failed. Invalid API key."
)

// invalidCredential, found in any case inside a credential value, makes
// health checks fail and updates be refused: the one convention a client of
// cmd/freddy-emulator can use, since it cannot call SetHealth. A value that
// merely contains it (ghp_INVALIDTOKEN) works too, and reads better in the
// SDK's errors, which redact every credential value of 4 or more characters
// wherever the server echoes it, the code "invalid_credentials" included.
const invalidCredential = "invalid"

// healthReport is what a health check answers.
type healthReport struct {
	status  freddy.HealthStatus
	message string
}

// test serves POST …/configurations/{id}/test: it answers 200 whatever the
// outcome and stores the outcome in healthStatus, lastSyncAt and lastError.
func (s *Server) test(x *exchange, id string) *reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.byID[id]
	if !ok {
		return notFound(id)
	}
	report := healthReport{freddy.HealthStatusHealthy, healthyMessage}
	switch {
	case rec.forced != nil:
		report = *rec.forced
	case holdsInvalid(rec.credentials):
		report = healthReport{freddy.HealthStatusUnhealthy, unhealthyMessage}
	}
	testedAt := x.now.Truncate(time.Second)
	rec.health, rec.lastSyncAt, rec.lastError = report.status, &testedAt, nil
	details := healthDetails{
		ServerURL:  "http://" + strings.TrimPrefix(rec.connector, "pcon_") + "-mcp:8000",
		ServerType: "http",
	}
	if report.status == freddy.HealthStatusHealthy {
		details.ResponseTimeMs, details.ServerVersion, details.AvailableTools = 145, "1.0.0", 8
	} else {
		msg := report.message
		rec.lastError = &msg
	}
	return jsonReply(http.StatusOK, healthResult{
		Status: string(report.status), Message: report.message, Details: details, TestedAt: formatTime(testedAt),
	})
}

// SetHealth makes every later health check (POST …/{id}/test) of
// configuration id report status with message, until SetHealth is called
// again, the configuration is deleted, or Reset. It changes nothing else
// until a check runs; the check then stores status in healthStatus and, for
// any status but healthy, message in lastError. An empty message means the
// documented one: "Connection successful. MCP server is responding
// correctly." for healthy, "Authentication failed. Invalid API key."
// otherwise. An empty status removes the override. SetHealth reports whether
// id is a stored configuration; when it is not, it does nothing.
//
// Without SetHealth a check is healthy, unless the stored credentials hold a
// string value containing "invalid" in any case (at any depth), which makes it unhealthy.
func (s *Server) SetHealth(id string, status freddy.HealthStatus, message string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.byID[id]
	if !ok {
		return false
	}
	if status == "" {
		rec.forced = nil
		return true
	}
	if message == "" {
		message = unhealthyMessage
		if status == freddy.HealthStatusHealthy {
			message = healthyMessage
		}
	}
	rec.forced = &healthReport{status, message}
	return true
}

// holdsInvalid reports whether v holds a string containing "invalid", in
// any case, anywhere.
func holdsInvalid(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(strings.ToLower(v), invalidCredential)
	case map[string]any:
		for _, e := range v {
			if holdsInvalid(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if holdsInvalid(e) {
				return true
			}
		}
	}
	return false
}
