package redact

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScrubber(t *testing.T) {
	s := New("fk_live_key_123", map[string]any{
		"type":   "oauth2",
		"token":  "tok_abcdef",
		"nested": map[string]any{"secret": "nested_secret"},
		"list":   []any{"list_secret", 42},
		"short":  "abc",
	})
	in := "key fk_live_key_123 token tok_abcdef nested_secret list_secret abc oauth2"
	assert.Equal(t, "key ***REDACTED*** token ***REDACTED*** ***REDACTED*** ***REDACTED*** abc oauth2", s.String(in))

	v := s.Value(map[string]any{"m": "tok_abcdef!", "l": []any{"x nested_secret"}, "n": 1.0})
	assert.Equal(t, map[string]any{"m": "***REDACTED***!", "l": []any{"x ***REDACTED***"}, "n": 1.0}, v)

	var nilScrubber *Scrubber
	assert.Equal(t, "tok_abcdef", nilScrubber.String("tok_abcdef"))
	assert.Equal(t, "x", New("", nil).Value("x"))
}
