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
	{Fault{Kind: FaultDrop, Path: "{id}/test"}, `{"kind":"drop","path":"{id}/test"}`, "path"},
	{Fault{Kind: FaultDrop, Path: "{id}"}, `{"kind":"drop","path":"{id}"}`, "path"},
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

// A template without its leading slash is refused by Validate, Inject and
// the control API alike (TestInjectAndControlAPIShareValidation), and every
// spelling that is accepted is met by a request on its route: a spelling
// that passed and never matched would let a test pass without meeting its
// fault.
func TestEveryAcceptedFaultPathMatches(t *testing.T) {
	_, c := start(t, WithControlAPI())
	id := c.createN(1)[0]
	for _, tc := range []struct {
		path, method, target string
	}{
		{"/", http.MethodGet, basePath},
		{basePath, http.MethodGet, basePath},
		{basePath + "/", http.MethodGet, basePath},
		{"/{id}", http.MethodGet, basePath + "/" + id},
		{basePath + "/{id}", http.MethodGet, basePath + "/" + id},
		{"/{id}/toggle", http.MethodPost, basePath + "/" + id + "/toggle"},
		{"/{id}/test", http.MethodPost, basePath + "/" + id + "/test"},
		{basePath + "/{id}/test", http.MethodPost, basePath + "/" + id + "/test"},
	} {
		f := Fault{Kind: FaultServerError, Path: tc.path}
		require.NoError(t, f.Validate(), tc.path)
		r := c.control("POST", "/_freddytest/faults", `[{"kind":"serverError","path":`+quote(tc.path)+`}]`)
		require.Equal(t, http.StatusOK, r.status, tc.path)
		assert.Equal(t, http.StatusInternalServerError, c.do(tc.method, tc.target, "").status, "fault path %q on %s", tc.path, tc.target)
	}
	for _, path := range []string{"{id}", "{id}/test", "{id}/toggle", basePath + "{id}", "/{id}/", "//{id}"} {
		err := Fault{Kind: FaultServerError, Path: path}.Validate()
		require.Error(t, err, path)
		assert.Contains(t, err.Error(), "Fault.Path: "+quote(path))
	}
}
