package freddy

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// A RoundTripper that breaks its contract (a nil response and a nil error)
// is reported as an error, as net/http reports it, never a panic.
func TestNilResponseWithoutErrorIsAnError(t *testing.T) {
	rt := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, nil })
	c := newClient(t, rt, WithMaxRetries(0))
	_, err := c.Configurations.Get(context.Background(), "pconf_1")
	var reqErr *RequestError
	require.ErrorAs(t, err, &reqErr)
	require.Contains(t, err.Error(), "returned a nil *Response with a nil error")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
