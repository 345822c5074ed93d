package freddy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A base URL is the caller's and may hold the key (a gateway that takes
// it in its path; by mistake, its host or scheme): what the Client says of
// it (String and every fmt verb, NewClient's errors, the WithInsecureHTTP
// record) shows no 8 bytes of the key. The requests still go to the URL
// as given.
func TestBaseURLHoldingTheKeyIsShownScrubbed(t *testing.T) {
	const key = "fklive0123abcdefghij9876"
	secrets := []string{key}

	t.Run("in the path: String and every verb", func(t *testing.T) {
		c, err := NewClient(WithAPIKey(key), WithBaseURL("https://gw.example.com/gw/"+key))
		require.NoError(t, err)
		b, _ := json.Marshal(c)
		out := fmt.Sprintf("%v %+v %#v %s %q %v %+v %#v", c, c, c, c, c, *c, *c, *c) + string(b)
		requireNoWindow(t, "the Client printed", out, secrets)
		require.Contains(t, c.String(), "https://gw.example.com/gw/", "the rest of the URL stays")
		require.Contains(t, c.core.endpoint, key, "requests go to the URL as given")
	})

	t.Run("in the host: the WithInsecureHTTP record", func(t *testing.T) {
		var buf bytes.Buffer
		host := key + ".example.com"
		c, err := NewClient(WithAPIKey(key), WithBaseURL("http://"+host), WithInsecureHTTP(host), debugLogger(&buf))
		require.NoError(t, err)
		require.Contains(t, buf.String(), "WithInsecureHTTP")
		requireNoWindow(t, "the log", buf.String(), secrets)
		requireNoWindow(t, "the Client printed", fmt.Sprintf("%v %#v", c, c), secrets)
	})

	for name, base := range map[string]string{
		"in the scheme":         key + "://gw.example.com",
		"in a plain-http host":  "http://" + key + ".example.com",
		"in a refused host/v1":  "https://" + key + ".example.com/v1",
		"in the path, with /v1": "https://gw.example.com/" + key + "/v1",
	} {
		t.Run(name+": NewClient's error", func(t *testing.T) {
			_, err := NewClient(WithAPIKey(key), WithBaseURL(base))
			require.Error(t, err)
			requireNoWindow(t, "NewClient's error", fmt.Sprintf("%v %+v %#v", err, err, err), secrets)
			require.True(t, strings.HasPrefix(err.Error(), "freddy: WithBaseURL"), err.Error())
		})
	}
}
