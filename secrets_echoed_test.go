package freddy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"
)

// TestCredentialsTheServerEchoesAreNotShown: a credential value in a body
// the SDK shows in part (a 2xx it cannot decode, an error body of no known
// shape, an error's message and details) is scrubbed whoever's it is, for
// calls that sent none (Get, SetEnabled, List) too: no 8-byte window of it,
// in any case, is in the error's text, %+v or %#v. Before, only the call's
// own credentials were known to the scrubber, and Get showed
// {"token":"sk_live…"} in its snippet.
func TestCredentialsTheServerEchoesAreNotShown(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 4))
	secret := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		b := []byte("sk_live_")
		for range 16 + rng.IntN(24) {
			b = append(b, letters[rng.IntN(len(letters))])
		}
		return string(b)
	}
	// Where a server puts credentials in a body, and the body around them.
	shapes := []struct {
		status int
		body   func(cred string) string
	}{
		{200, func(c string) string { return `{"id":"a","credentials":{"token":"` + c + `"},"enabled":"x"}` }},
		{200, func(c string) string {
			return `{"success":true,"data":{"id":"a","Credentials":"` + c + `","enabled":1}}`
		}},
		{200, func(c string) string {
			return `{"id":"a","credentials":[{"k":"` + c + `"}],"configuration":{"note":"` + c + `"},"enabled":[]}`
		}},
		{200, func(c string) string { return `{"data":[{"id":"a","credentials":{"token":"` + c + `"}},{"id":1}]}` }},
		{500, func(c string) string {
			return `{"status":"fail","echo":{"credentials":{"token":"` + c + `"}},"hint":"` + c + `"}`
		}},
		{200, func(c string) string { return `{"id":"a","credentials":{"token":"` + c }},
		{400, func(c string) string {
			return `{"error":{"code":"VALIDATION_ERROR","message":"token ` + c + ` is bad","details":{"credentials":{"token":"` + c + `"}}}}`
		}},
	}
	calls := map[string]func(c *Client) error{
		"Get": func(c *Client) error {
			_, err := c.Configurations.Get(context.Background(), "pconf_1")
			return err
		},
		"SetEnabled": func(c *Client) error {
			_, err := c.Configurations.SetEnabled(context.Background(), "pconf_1", true)
			return err
		},
		"List": func(c *Client) error {
			_, err := c.Configurations.List(context.Background(), ListConfigurationsParams{})
			return err
		},
	}
	for i, sh := range shapes {
		for name, call := range calls {
			cred := secret()
			body := sh.body(cred)
			mt := httpmock.NewMockTransport()
			mt.RegisterNoResponder(httpmock.NewStringResponder(sh.status, body).HeaderSet(http.Header{"Content-Type": {"application/json"}}))
			c := newClient(t, mt, WithMaxRetries(0))
			err := call(c)
			require.Error(t, err, "%s, shape %d", name, i)
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				assertNoWindow(t, cred, text)
			}
			require.NotContains(t, strings.ToLower(err.Error()), strings.ToLower(cred[8:16]), "%s, shape %d: %v", name, i, err)
		}
	}
}
