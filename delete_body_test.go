package freddy

import (
	"context"
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
		"bare": `{"deleted":true}`, "envelope": `{"success":true,"data":{"deleted":true}}`, "empty": ``,
		"error null": `{"deleted":true,"error":null}`,
	} {
		t.Run("success: "+name, func(t *testing.T) {
			c := newClient(t, script(reply(200, []byte(body))))
			require.NoError(t, c.Configurations.Delete(context.Background(), "pconf_1"))
		})
	}
}
