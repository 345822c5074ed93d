package freddy

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A 200 whose body is one of the documented error bodies is not a
// successful Delete.
func TestDeleteRefusesA200ErrorBody(t *testing.T) {
	for name, body := range map[string]string{
		"envelope": `{"success":false,"error":{"code":"CONFIGURATION_NOT_FOUND","message":"not found","type":"not_found_error"}}`,
		"short":    `{"error":{"type":"not_found_error","message":"not found","code":"configuration_not_found"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			c := newClient(t, script(reply(200, []byte(body))))
			err := c.Configurations.Delete(context.Background(), "pconf_1")
			var derr *DecodeError
			require.ErrorAs(t, err, &derr, "a 200 error body passed for success")
			assert.Equal(t, 200, derr.StatusCode)
		})
	}
	for name, body := range map[string]string{
		"bare": `{"deleted":true}`, "envelope": `{"success":true,"data":{"deleted":true}}`,
		"error null": `{"deleted":true,"error":null}`,
		"documented": `{"id":"pconf_abc123","object":"personal_connector.configuration","deleted":true}`,
	} {
		t.Run("success: "+name, func(t *testing.T) {
			c := newClient(t, script(reply(200, []byte(body))))
			require.NoError(t, c.Configurations.Delete(context.Background(), "pconf_1"))
		})
	}
	t.Run("success: 204 empty", func(t *testing.T) {
		c := newClient(t, script(reply(204, nil)))
		require.NoError(t, c.Configurations.Delete(context.Background(), "pconf_1"))
	})
}

// A 2xx that does not say the configuration is gone is not a successful
// Delete: the lifecycle page documents a 200 saying "deleted": true and an
// empty 204, nothing else. The error says why.
func TestDeleteRefusesA2xxThatSaysNothing(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		reason string
	}{
		{200, ``, "response is empty"},
		{200, `{}`, `does not say "deleted": true`},
		{200, `null`, `does not say "deleted": true`},
		{200, `{"success":true}`, `does not say "deleted": true`},
		{200, `{"success":true,"data":null}`, `does not say "deleted": true`},
		{200, `{"error":null}`, `does not say "deleted": true`},
		{200, `{"id":"pconf_1","object":"personal_connector.configuration"}`, `does not say "deleted": true`},
		{200, `{"deleted":false}`, `"deleted": false`},
		{202, `{"deleted":true}`, "not 202"},
		{202, ``, "not 202"},
		{204, `{"deleted":true}`, "a 204 response has a body"},
	} {
		t.Run(strconv.Itoa(tc.status)+" "+tc.body, func(t *testing.T) {
			c := newClient(t, script(reply(tc.status, []byte(tc.body))))
			err := c.Configurations.Delete(context.Background(), "pconf_1")
			var derr *DecodeError
			require.ErrorAs(t, err, &derr, "a 2xx that says nothing passed for success")
			assert.Equal(t, tc.status, derr.StatusCode)
			assert.Contains(t, derr.Reason, tc.reason)
		})
	}
	t.Run("nil Body", func(t *testing.T) {
		rt := script(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r}, nil
		})
		err := newClient(t, rt).Configurations.Delete(context.Background(), "pconf_1")
		var derr *DecodeError
		require.ErrorAs(t, err, &derr)
		assert.Contains(t, derr.Reason, "response is empty")
	})
}
