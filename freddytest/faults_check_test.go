package freddytest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingTB captures what Inject reports to the test that started the
// server.
type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, strings.TrimSpace(fmt.Sprintf(format, args...)))
}
func (r *recordingTB) Helper() {}

// invalidFaults are refused by Inject and, as JSON, by the control API.
var invalidFaults = []struct {
	f     Fault
	json  string
	field string
}{
	{Fault{Kind: FaultDrop, Skip: -1}, `{"kind":"drop","skip":-1}`, "skip"},
	{Fault{Kind: FaultDrop, Delay: -time.Second}, `{"kind":"drop","delay":"-1s"}`, "delay"},
	{Fault{Kind: FaultRateLimit, RetryAfter: -time.Second}, `{"kind":"RateLimit","retryAfter":"-1s"}`, "retryAfter"},
	{Fault{Kind: FaultDrop, Path: "/nope"}, `{"kind":"drop","path":"/nope"}`, "path"},
	{Fault{Kind: FaultDrop, Method: "FETCH"}, `{"kind":"drop","method":"FETCH"}`, "method"},
}

func TestInjectAndControlAPIShareValidation(t *testing.T) {
	for _, tc := range invalidFaults {
		t.Run(tc.field, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			srv := NewServer(WithControlAPI())
			defer srv.Close()
			srv.attach(rec)
			c := newCaller(t, srv)

			err := tc.f.Validate()
			require.Error(t, err)
			goField := strings.ToUpper(tc.field[:1]) + tc.field[1:]
			assert.Contains(t, err.Error(), "Fault."+goField+":")

			srv.Inject(Fault{Kind: FaultServerError}, tc.f)
			require.Len(t, rec.errs, 1)
			assert.Contains(t, rec.errs[0], "faults[1]: Fault."+goField)
			assert.Equal(t, http.StatusOK, c.do(http.MethodGet, basePath, "").status, "none of the batch was queued")

			r := c.control("POST", "/_freddytest/faults", `[{"kind":"drop"},`+tc.json+`]`)
			assert.Equal(t, 400, r.status)
			assert.Contains(t, r.body["error"], "faults[1]."+tc.field+":")
			assert.Equal(t, http.StatusOK, c.do(http.MethodGet, basePath, "").status, "none of the array was queued")
		})
	}
	assert.NoError(t, Fault{Kind: FaultDrop, Method: "post", Path: "/{id}/test", Stall: -1}.Validate())
}

func TestControlAPIRefusesTrailingData(t *testing.T) {
	_, c := start(t, WithControlAPI())
	for _, body := range []string{`[{"kind":"Drop"}] trailing`, `[{"kind":"Drop"}][]`, `[{"kind":"Drop"}]]`} {
		r := c.control("POST", "/_freddytest/faults", body)
		assert.Equal(t, 400, r.status, body)
		assert.Contains(t, r.body["error"], "data after the array", body)
	}
	assert.Equal(t, 200, c.control("POST", "/_freddytest/faults", "[{\"kind\":\"Drop\"}]\n").status, "a final newline is fine")
}
