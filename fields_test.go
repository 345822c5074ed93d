package freddy

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fields returns the refused fields of a 400's documented details, typed and
// sorted, as the server sent them.
func TestValidationErrorFields(t *testing.T) {
	body := []byte(`{"success":false,"error":{"code":"VALIDATION_ERROR","message":"Invalid request parameters","type":"validation_error",` +
		`"status":400,"details":{"fields":{"name":"must be a string","after":"is not a known configuration ID","limit":3}}}}`)
	c := newClient(t, script(reply(400, body)))
	_, err := c.Configurations.List(context.Background(), ListConfigurationsParams{})
	var ve *ValidationError
	require.True(t, errors.As(err, &ve), "%v", err)
	assert.Equal(t, []FieldError{
		{Field: "after", Reason: "is not a known configuration ID"},
		{Field: "limit", Reason: ""},
		{Field: "name", Reason: "must be a string"},
	}, ve.Fields())

	for _, details := range []map[string]any{nil, {}, {"fields": "name"}, {"fields": []any{"name"}}, {"fields": map[string]any{}}} {
		assert.Nil(t, (&ValidationError{APIError{StatusCode: 400, Details: details}}).Fields(), "%v", details)
	}
}
