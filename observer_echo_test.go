package freddy

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A real server that echoes the key and a credential the ways the third
// outside probe found (Python's full upper, lower and title case, NFD,
// HTML-escaped, a percent encoding of JSON escapes), in a header and in a
// 400's message: the caller's error, what the Observer is given and what it
// decodes from the body hold no 8-byte run of the echo or of the secret.
func TestCredentialEchoedCaseMappedNormalizedOrHTMLEscaped(t *testing.T) {
	const cred = "ᾶᾳ-ǰŉ-İstanbul-Crème-café-p&ss<w>rd"
	jsonAll := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		return b.String()
	}
	echoes := []string{
		// Python's str.upper, lower and title (gen/echoes.py in
		// internal/redact makes more).
		"Α͂ΑΙ-J̌ʼN-İSTANBUL-CRÈME-CAFÉ-P&SS<W>RD",
		"ᾶᾳ-ǰŉ-i̇stanbul-crème-café-p&ss<w>rd",
		"Α͂ᾳ-J̌ŉ-İstanbul-Crème-Café-P&Ss<W>Rd",
		// NFD.
		"ᾶᾳ-ǰŉ-İstanbul-Crème-café-p&ss<w>rd",
		html.EscapeString(cred),
		strings.NewReplacer("&", "&amp;", "<", "&lt;", "ß", "&szlig;", "é", "&eacute;", "è", "&#xE8;").Replace(cred),
		url.QueryEscape(jsonAll(cred)),
		url.QueryEscape(jsonAll(testAPIKey)),
		html.EscapeString(jsonAll(testAPIKey)),
	}
	for _, echo := range echoes {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := json.Marshal(map[string]any{"success": false, "error": map[string]any{
				"code": "VALIDATION_ERROR", "message": "bad credentials " + echo, "type": "validation_error"}})
			w.Header().Set("X-Echo", echo)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(body)
		}))
		seen, decoded := &viewRecorder{}, &decodingObserver{}
		for _, obs := range []Observer{seen, decoded} {
			c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), WithObserver(obs), WithMaxRetries(0))
			require.NoError(t, err)
			p := validParams()
			p.Credentials = APIKeyCredentials(cred)
			_, err = c.Configurations.Create(context.Background(), p)
			require.Error(t, err)
			c.CloseIdleConnections()
			for _, form := range []string{echo, cred, testAPIKey} {
				requireNoFoldedWindow(t, "the caller's error", form, err.Error())
			}
		}
		srv.Close()
		require.Len(t, decoded.messages, 1)
		require.Contains(t, decoded.messages[0], "bad credentials", "the view keeps what is not secret")
		for _, form := range []string{echo, cred, testAPIKey} {
			requireNoFoldedWindow(t, "the Observer's view", form, seen.seen.String())
			requireNoFoldedWindow(t, "the message the Observer decodes", form, decoded.messages[0])
			requireNoFoldedWindow(t, "the message the Observer decodes, HTML-unescaped", form, html.UnescapeString(decoded.messages[0]))
		}
	}
}
