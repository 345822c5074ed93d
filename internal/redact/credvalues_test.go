package redact

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStringLiteralsOfABrokenText(t *testing.T) {
	raw := `{"a":"plain",,"b\u0041":"esc\"aped\u0021","c":"cut sh`
	assert.Equal(t, []any{"a", "plain", "bA", `esc"aped!`, "c", "cut sh"}, StringLiterals([]byte(raw)))
	long := StringLiterals([]byte(`"` + strings.Repeat("x", maxLiteral+10) + `"`))
	assert.Len(t, long[0], maxLiteral, "a long literal is kept to its start")
	assert.Equal(t, []any{`bad \q`}, StringLiterals([]byte(`"bad \q"`)), "an escape JSON refuses is kept raw")
	assert.Nil(t, StringLiterals([]byte(`not json at all`)))
}
