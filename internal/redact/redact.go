// Package redact is the SDK's one place for keeping secrets out of text: the
// marker printed instead of a secret, and a Scrubber that removes known
// secret values from text a server sent back before it reaches an error
// string or a log record.
package redact

import (
	"strings"
)

// Marker replaces every secret in output; the API uses the same string.
const Marker = "***REDACTED***"

// minSecretLen keeps short, non-secret strings (a credential "type" such as
// "oauth2", a boolean-like "yes") from being scrubbed out of every message.
const minSecretLen = 6

// Scrubber replaces known secret values in text. The zero value and a nil
// *Scrubber scrub nothing.
type Scrubber struct {
	secrets []string
}

// New returns a Scrubber for the API key and every string leaf of the
// credentials (map values and slice elements, at any depth) except the
// descriptive "type" field.
func New(apiKey string, credentials map[string]any) *Scrubber {
	s := &Scrubber{}
	s.add(apiKey)
	s.collect(credentials)
	return s
}

func (s *Scrubber) add(v string) {
	if len(v) >= minSecretLen {
		s.secrets = append(s.secrets, v)
	}
}

func (s *Scrubber) collect(v any) {
	switch t := v.(type) {
	case string:
		s.add(t)
	case map[string]any:
		for k, e := range t {
			if k == "type" {
				continue
			}
			s.collect(e)
		}
	case []any:
		for _, e := range t {
			s.collect(e)
		}
	case []string:
		for _, e := range t {
			s.add(e)
		}
	case map[string]string:
		for k, e := range t {
			if k != "type" {
				s.add(e)
			}
		}
	}
}

// String returns text with every known secret replaced by Marker.
func (s *Scrubber) String(text string) string {
	if s == nil {
		return text
	}
	for _, secret := range s.secrets {
		if strings.Contains(text, secret) {
			text = strings.ReplaceAll(text, secret, Marker)
		}
	}
	return text
}

// Value returns v with Scrubber.String applied to every string inside it;
// maps and slices are copied, never modified in place.
func (s *Scrubber) Value(v any) any {
	if s == nil || len(s.secrets) == 0 {
		return v
	}
	switch t := v.(type) {
	case string:
		return s.String(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[s.String(k)] = s.Value(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = s.Value(e)
		}
		return out
	}
	return v
}

// Bytes is String for a body. TEMPORARY until the window scrubber lands.
func (s *Scrubber) Bytes(b []byte) []byte { return []byte(s.String(string(b))) }
