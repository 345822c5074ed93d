package freddy

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// A Configuration or Metadata map that JSON cannot encode is a *ParamError
// naming that field, on Create and on Update, and nothing is sent.
func TestUnencodableMapNamesTheField(t *testing.T) {
	bad := map[string]map[string]any{
		"a channel": {"c": make(chan int)},
		"a func":    {"f": func() {}},
		"a NaN":     {"n": math.NaN()},
	}
	for what, m := range bad {
		for _, field := range []string{"configuration", "metadata"} {
			t.Run(what+" in "+field, func(t *testing.T) {
				c := newClient(t, newMock(t))
				create, update := validParams(), UpdateConfigurationParams{Name: String("x")}
				if field == "configuration" {
					create.Configuration, update.Configuration = m, m
				} else {
					create.Metadata, update.Metadata = m, m
				}
				_, err := c.Configurations.Create(context.Background(), create)
				requireParamField(t, err, field)
				_, err = c.Configurations.Update(context.Background(), "pconf_1", update)
				requireParamField(t, err, field)
			})
		}
	}
}

func requireParamField(t *testing.T, err error, field string) {
	t.Helper()
	var pe *ParamError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, field, pe.Field, "error: %v", err)
	require.Contains(t, err.Error(), "cannot be encoded as JSON")
}
