package redact

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// StringValues gives the values of a broken text, decoded as far as they
// read, and never a member name: not "a", not "type" before its colon.
func TestStringValuesOfABrokenText(t *testing.T) {
	raw := `{"a":"plain",,"b\u0041" :"esc\"aped\u0021","type"` + "\n\t" + `:"bearer",["in","array"],"c":"cut sh`
	assert.Equal(t, []string{"plain", `esc"aped!`, "bearer", "in", "array", "cut sh"}, StringValues([]byte(raw)))
	long := StringValues([]byte(`"` + strings.Repeat("x", maxLiteral+10) + `"`))
	assert.Len(t, long[0], maxLiteral, "a long value is kept to its start")
	assert.Equal(t, []string{`bad \q`}, StringValues([]byte(`"bad \q"`)), "an escape JSON refuses is kept raw")
	assert.Equal(t, []string{"name cut at its colon"}, StringValues([]byte(`{"name cut at its colon"`)), "a literal the text ends after is a value: nothing says it is a name")
	assert.Nil(t, StringValues([]byte(`not json at all`)))
}
