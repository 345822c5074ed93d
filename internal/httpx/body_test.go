package httpx

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aitronos/freddy-go/internal/retry"
)

type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

func TestReadBody(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		size    int64
		limit   int64
		wantErr string
	}{
		{"known size", "hello", 5, 10, ""},
		{"unknown size", strings.Repeat("a", 3000), -1, 4000, ""},
		{"exactly the limit", strings.Repeat("a", 10), -1, 10, ""},
		{"one over the limit", strings.Repeat("a", 11), -1, 10, "exceeds"},
		{"declared over the limit", "x", 11, 10, "exceeds"},
		{"size lies low", "hello world", 2, 100, ""},
		{"empty", "", 0, 10, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &closeCounter{Reader: strings.NewReader(tt.body)}
			got, err := ReadBody(rc, nil, tt.size, tt.limit)
			assert.Equal(t, 1, rc.closed, "always closed")
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				var p *retry.Permanent
				assert.True(t, errors.As(err, &p), "over the limit is permanent")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.body, string(got))
		})
	}
	t.Run("read error", func(t *testing.T) {
		rc := &closeCounter{Reader: iotest.TimeoutReader(strings.NewReader("abc"))}
		_, err := ReadBody(rc, make([]byte, 0, 1), -1, 100)
		assert.ErrorIs(t, err, iotest.ErrTimeout)
		var p *retry.Permanent
		assert.False(t, errors.As(err, &p), "a read failure may be retried")
	})
	t.Run("reuses the buffer", func(t *testing.T) {
		buf := make([]byte, 0, 64)
		got, err := ReadBody(&closeCounter{Reader: strings.NewReader("abc")}, buf, 3, 100)
		require.NoError(t, err)
		assert.Equal(t, &buf[:1][0], &got[0])
	})
}
