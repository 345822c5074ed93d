package freddy

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/aitronos/freddy-go/internal/redact"
)

// Line breaks and terminal escapes a server puts in an error body reach
// Error() escaped: one error stays one log line and cannot repaint a
// terminal.
func TestErrorTextFromTheServerStaysOnOneLine(t *testing.T) {
	hostile := "a\nb\r\nc\x1b[2Jd\u2028e\u0085f\x00g\x7fh\u202ei"
	body := []byte(`{"success":false,"error":{"code":"` + jsonEscape(hostile) + `","message":"` + jsonEscape(hostile) +
		`","type":"` + jsonEscape(hostile) + `","trace_id":"` + jsonEscape(hostile) + `","details":{"fields":{"` +
		jsonEscape(hostile) + `":"` + jsonEscape(hostile) + `"}}}}`)
	for _, status := range []int{400, 404, 418, 429, 500} {
		err := newAPIError(status, http.Header{}, body, "", 1, redact.New(testAPIKey, BearerCredentials(testCredential).tree()), time.Now())
		msg := err.Error()
		for _, r := range msg {
			require.False(t, unicode.IsControl(r) || r == '\u2028' || r == '\u202e', "status %d: %q holds %U", status, msg, r)
		}
		require.Contains(t, msg, `a\nb\r\nc\x1b[2Jd`, "the text is escaped, not dropped")
	}
	d := &DecodeError{StatusCode: 200, Reason: "x", TraceID: hostile}
	require.NotContains(t, d.Error(), "\n")
	require.NotContains(t, d.Error(), "\x1b")
}

func jsonEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 {
			b.WriteString(`\u`)
			const hex = "0123456789abcdef"
			b.WriteByte(hex[r>>12&0xf])
			b.WriteByte(hex[r>>8&0xf])
			b.WriteByte(hex[r>>4&0xf])
			b.WriteByte(hex[r&0xf])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
