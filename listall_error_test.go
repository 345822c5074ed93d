package freddy

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ListAll's own error names the operation like every error a call returns.
func TestListAllRepeatedCursorErrorNamesTheOperation(t *testing.T) {
	rt := script(reply(200, []byte(`{"data":[{"id":"pconf_1"}],"lastId":"pconf_1","hasMore":true}`)))
	_, errs := collect(t, newClient(t, rt).Configurations.ListAll(context.Background(), ListConfigurationsParams{}))
	require.Len(t, errs, 1)
	assert.True(t, strings.HasPrefix(errs[0].Error(), "freddy: List: 200 response repeats a cursor"), errs[0].Error())
	var de *DecodeError
	require.True(t, errors.As(errs[0], &de))
	assert.Equal(t, "List", de.Operation)
}
