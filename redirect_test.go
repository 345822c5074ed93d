package freddy

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A same-host 301, 302 or 303 answering a write makes net/http follow it
// with a GET without the body; the GET's 200 must not pass for the write's
// success. The error names the status and the location's path, not its
// query, and the call is not retried. 307 and 308 keep method and body.
func TestRedirectThatChangesAWritesMethodIsAnError(t *testing.T) {
	writes := writeCalls()
	ok := func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/moved/test" {
			return response(200, fixture(t, "test_healthy.json")), nil
		}
		return response(200, fixture(t, "get_200.json")), nil
	}
	for _, status := range []int{301, 302, 303} {
		for name, call := range writes {
			t.Run(strconv.Itoa(status)+" "+name, func(t *testing.T) {
				rt := script(reply(status, nil, "Location", "/moved/test?token=s3cr3t_query"), ok)
				err := call(newClient(t, rt))
				require.Error(t, err, "the redirected GET's 200 passed for success")
				assert.Contains(t, err.Error(), strconv.Itoa(status))
				assert.Contains(t, err.Error(), "/moved/test")
				assert.NotContains(t, err.Error(), "s3cr3t_query")
				assert.Len(t, rt.requests(), 1, "neither followed nor retried")
			})
		}
	}
	for _, status := range []int{307, 308} {
		t.Run(strconv.Itoa(status)+" keeps the method", func(t *testing.T) {
			rt := script(reply(status, nil, "Location", "/moved/test"), ok)
			_, err := newClient(t, rt).Configurations.Test(context.Background(), "pconf_1")
			require.NoError(t, err)
			require.Len(t, rt.requests(), 2)
		})
	}
	t.Run("a read may be redirected", func(t *testing.T) {
		rt := script(reply(302, nil, "Location", "/moved/get"), ok)
		_, err := newClient(t, rt).Configurations.Get(context.Background(), "pconf_1")
		require.NoError(t, err)
	})
}
