package freddy

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aitronos/freddy-go/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSilentByDefault runs retries, failures and a refused connection in a
// child process and checks that it wrote nothing: retryablehttp's default
// logger would print every request and retry to stderr.
func TestSilentByDefault(t *testing.T) {
	if os.Getenv("FREDDY_SILENT_CHILD") == "1" {
		silentChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSilentByDefault$", "-test.count=1")
	cmd.Env = testenv.Environ("FREDDY_SILENT_CHILD=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "child failed: %s %s", stdout.String(), stderr.String())
	assert.Empty(t, stderr.String())
	assert.Equal(t, "PASS\n", stdout.String())
}

func silentChild(t *testing.T) {
	rec := newRecorder(t, answer(500, fixture(t, "error_500.json")), answer(429, body429("0.01")), answer(200, fixture(t, "create_200.json")))
	c := rec.client(t, fastRetries)
	_, err := c.Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	_, err = c.Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("k"))
	require.NoError(t, err)
	// A refused connection, retried and given up on.
	dead, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL("http://127.0.0.1:1"), fastRetries)
	require.NoError(t, err)
	_, err = dead.Configurations.Create(context.Background(), validParams())
	require.Error(t, err)
	// A caller's cancellation during a wait.
	rec2 := newRecorder(t, answer(503, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = rec2.client(t, WithRetryWait(40*time.Millisecond, 40*time.Millisecond)).Configurations.Create(ctx, validParams())
	require.Error(t, err)
}

func TestLoggerBelowDebugGetsNothing(t *testing.T) {
	var buf bytes.Buffer
	c := newClient(t, script(reply(500, nil), reply(200, fixture(t, "create_200.json"))), WithRetryWait(time.Millisecond, time.Millisecond),
		WithLogger(slogInfo(&buf)))
	_, err := c.Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	assert.Empty(t, buf.String(), "records are debug level")
}

// TestLogRecordsNameTheOperation: every record of a call names its operation
// and configuration, as the call's error does ("freddy: Get pconf_1: …").
func TestLogRecordsNameTheOperation(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, script(reply(500, nil), reply(404, nil)), WithRetryWait(time.Millisecond, time.Millisecond), WithLogger(logger))
	_, err := c.Configurations.Get(context.Background(), "pconf_1")
	require.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "freddy: Get pconf_1: 404")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 4, "attempt and decision, twice:\n%s", buf.String())
	for _, line := range lines {
		assert.Contains(t, line, `"operation":"Get","configuration_id":"pconf_1","attempt":`)
	}
}
