package freddy_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
	"github.com/aitronos/freddy-go/internal/testenv"
)

// next is docs/reference.md's error switch, verbatim:
// TestReadmeSwitchIsThisOne keeps the two the same.
//
// next says what to do about an error from any freddy-go call.
func next(err error) string {
	var rl *freddy.RateLimitError
	switch {
	case err == nil:
		return "done"
	case errors.Is(err, freddy.ErrOutcomeUnknown):
		return "the server may have acted: look the configuration up before writing again"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "stop: the caller's context ended"
	case errors.Is(err, freddy.ErrInvalidParams):
		return "fix the params: nothing was sent"
	case errors.As(err, &rl):
		return "retry after " + rl.RetryAfter.String() + " with idempotency key " + rl.IdempotencyKey
	case errors.Is(err, freddy.ErrUnauthorized), errors.Is(err, freddy.ErrForbidden):
		return "check the API key and its permissions"
	case errors.Is(err, freddy.ErrNotFound):
		return "the configuration does not exist"
	case errors.Is(err, freddy.ErrValidation), errors.Is(err, freddy.ErrConflict):
		return "the server refused the request as sent"
	case errors.Is(err, freddy.ErrServer):
		return "the server failed: retry later"
	}
	var reqErr *freddy.RequestError
	if errors.As(err, &reqErr) {
		return "no usable response: retry later"
	}
	return "unexpected: " + err.Error()
}

// httpStatus is README's error-to-status mapping, verbatim:
// TestReadmeSwitchIsThisOne keeps the two the same.
//
// httpStatus is the status a handler answers with when a freddy-go call
// fails on its behalf.
func httpStatus(err error) int {
	var timeout interface{ Timeout() bool }
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, freddy.ErrOutcomeUnknown):
		return http.StatusBadGateway // a write may have happened: look it up before repeating it
	case errors.Is(err, freddy.ErrInvalidParams), errors.Is(err, freddy.ErrValidation):
		return http.StatusBadRequest // the caller's input: nothing was done
	case errors.Is(err, freddy.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, freddy.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, freddy.ErrForbidden):
		return http.StatusForbidden // the API refused this connector for this account
	case errors.Is(err, freddy.ErrRateLimited):
		return http.StatusServiceUnavailable // set Retry-After from RateLimitError.RetryAfter
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &timeout) && timeout.Timeout():
		return http.StatusGatewayTimeout
	case errors.Is(err, freddy.ErrUnauthorized):
		return http.StatusInternalServerError // this service's API key is wrong, not the caller's request
	}
	return http.StatusBadGateway // a 5xx, a lost connection, a response in no documented shape
}

// createOnce is docs/reference.md's look-it-up recipe, verbatim:
// TestReadmeSwitchIsThisOne keeps the two the same.
//
// createOnce creates params' configuration, or finds the one a Create
// whose outcome is unknown made after all.
func createOnce(ctx context.Context, client *freddy.Client, params freddy.CreateConfigurationParams) (*freddy.Configuration, error) {
	cfg, err := client.Configurations.Create(ctx, params)
	if !errors.Is(err, freddy.ErrOutcomeUnknown) {
		return cfg, err
	}
	lookup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for found, lerr := range client.Configurations.ListAll(lookup, freddy.ListConfigurationsParams{PersonalConnectorID: params.PersonalConnectorID}) {
		if lerr != nil {
			return nil, errors.Join(err, lerr)
		}
		if found.Name == params.Name {
			return found, nil // created after all
		}
	}
	return nil, err // not there: creating again is safe
}

// The documents whose code the tests below keep true: README is the guide,
// docs/ holds the reference and the testing guide it links to.
const (
	readmeDoc    = "README.md"
	referenceDoc = "docs/reference.md"
	testingDoc   = "docs/testing.md"
)

// docBlock returns the first ```go block of the document file that
// contains marker.
func docBlock(t *testing.T, file, marker string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	for _, part := range strings.Split(string(b), "```go\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		if strings.Contains(block, marker) {
			return block
		}
	}
	t.Fatalf("%s has no go block with %q", file, marker)
	return ""
}

func TestReadmeSwitchIsThisOne(t *testing.T) {
	src, err := os.ReadFile("readme_test.go")
	require.NoError(t, err)
	for _, tc := range []struct{ doc, head, signature string }{
		{referenceDoc, "// next says", "func next(err error) string"},
		{readmeDoc, "// httpStatus is the status", "func httpStatus(err error) int"},
		{referenceDoc, "// createOnce creates", "func createOnce("},
	} {
		start := strings.Index(string(src), tc.head)
		require.True(t, start > 0, tc.head)
		end := strings.Index(string(src)[start:], "\n}\n")
		require.True(t, end > 0, tc.head)
		assert.Equal(t, string(src)[start:start+end+3], docBlock(t, tc.doc, tc.signature), tc.doc)
	}
}

// TestReadmeRecipeLooksUpWhenTheOutcomeIsUnknown runs docs/reference.md's
// recipe where the outcome is unknown: a Create stored whose answer was lost
// is found, and a Create whose deadline passed while the server held it is
// looked up under the recipe's own context, not found, and returned as it
// failed.
func TestReadmeRecipeLooksUpWhenTheOutcomeIsUnknown(t *testing.T) {
	srv := freddytest.Start(t)
	c := e2eClient(t, srv, freddy.WithMaxRetries(0))
	ctx := context.Background()

	srv.Inject(freddytest.Fault{Kind: freddytest.FaultDropAfterCommit})
	p := e2eParams()
	p.Name = "lost answer"
	got, err := createOnce(ctx, c, p)
	require.NoError(t, err)
	assert.Equal(t, "lost answer", got.Name, "created after all")

	srv.Inject(freddytest.Fault{Kind: freddytest.FaultStall})
	p.Name = "stalled"
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	got, err = createOnce(short, c, p)
	assert.Nil(t, got)
	require.ErrorIs(t, err, freddy.ErrOutcomeUnknown)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var reqErr *freddy.RequestError
	require.ErrorAs(t, err, &reqErr)
	assert.Equal(t, "Create", reqErr.Operation, "the Create's own error, not the lookup's")
	assert.NotContains(t, err.Error(), "List", "the lookup ran to its end")
	assert.Equal(t, "the server may have acted: look the configuration up before writing again", next(err))
}

// TestReadmeSwitchOverEveryOutcome runs docs/reference.md's switch and
// README's status mapping over what each kind of failure returns and checks
// the branch each takes.
func TestReadmeSwitchOverEveryOutcome(t *testing.T) {
	srv := freddytest.Start(t, freddytest.WithForbiddenConnectors("pcon_admin"))
	c := e2eClient(t, srv)
	ctx := context.Background()
	created, err := c.Configurations.Create(ctx, e2eParams())
	require.NoError(t, err)
	odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/pconf_1") {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		_, _ = w.Write([]byte("<html>not json</html>"))
	}))
	defer odd.Close()
	oddClient, err := freddy.NewClient(freddy.WithAPIKey("fk_odd_0000000000"), freddy.WithBaseURL(odd.URL))
	require.NoError(t, err)
	defer oddClient.CloseIdleConnections()

	tests := []struct {
		name   string
		call   func() error
		want   string
		status int
	}{
		{"success", func() error { _, err := c.Configurations.Get(ctx, created.ID); return err }, "done", http.StatusOK},
		{"bad params", func() error { _, err := c.Configurations.Get(ctx, ""); return err }, "fix the params: nothing was sent", http.StatusBadRequest},
		{"400", func() error {
			_, err := c.Configurations.Update(ctx, created.ID, freddy.UpdateConfigurationParams{Credentials: freddy.BearerCredentials("ghp_INVALIDTOKEN")})
			return err
		}, "the server refused the request as sent", http.StatusBadRequest},
		{"a 500, then a 400 on its retry", func() error {
			// The first attempt may have acted: the 400 that follows
			// does not make it "nothing was done".
			srv.Inject(freddytest.Fault{Kind: freddytest.FaultServerError})
			_, err := c.Configurations.Update(ctx, created.ID, freddy.UpdateConfigurationParams{Credentials: freddy.BearerCredentials("ghp_INVALIDTOKEN")})
			if !errors.Is(err, freddy.ErrValidation) {
				return fmt.Errorf("want a validation error, got %w", err)
			}
			return err
		}, "the server may have acted: look the configuration up before writing again", http.StatusBadGateway},
		{"401", func() error {
			_, err := e2eClient(t, srv, freddy.WithAPIKey("fk_wrong_00000000")).Configurations.Get(ctx, created.ID)
			return err
		}, "check the API key and its permissions", http.StatusInternalServerError},
		{"403", func() error {
			p := e2eParams()
			p.PersonalConnectorID = "pcon_admin"
			_, err := c.Configurations.Create(ctx, p)
			return err
		}, "check the API key and its permissions", http.StatusForbidden},
		{"404", func() error { _, err := c.Configurations.Get(ctx, "pconf_missing"); return err }, "the configuration does not exist", http.StatusNotFound},
		{"409", func() error {
			if _, err := c.Configurations.Create(ctx, e2eParams(), freddy.WithIdempotencyKey("k-409")); err != nil {
				return err
			}
			p := e2eParams()
			p.Name = "other"
			_, err := c.Configurations.Create(ctx, p, freddy.WithIdempotencyKey("k-409"))
			return err
		}, "the server refused the request as sent", http.StatusConflict},
		{"429 longer than the max wait", func() error {
			srv.Inject(freddytest.Fault{Kind: freddytest.FaultRateLimit, RetryAfter: time.Hour})
			// A client of its own: the 429 spends its window for an hour,
			// and it would hold the cases after this one.
			_, err := e2eClient(t, srv).Configurations.Create(ctx, e2eParams(), freddy.WithIdempotencyKey("k-429"))
			return err
		}, "retry after 1h0m0s with idempotency key k-429", http.StatusServiceUnavailable},
		{"5xx on every attempt", func() error {
			srv.Inject(freddytest.Repeat(freddytest.Fault{Kind: freddytest.FaultServerError}, 3)...)
			_, err := c.Configurations.Get(ctx, created.ID)
			return err
		}, "the server failed: retry later", http.StatusBadGateway},
		{"cancelled while waiting after a 429", func() error {
			srv.Inject(freddytest.Fault{Kind: freddytest.FaultRateLimit, RetryAfter: 5 * time.Second})
			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			time.AfterFunc(100*time.Millisecond, cancel)
			_, err := e2eClient(t, srv, freddy.WithRetryWait(time.Second, time.Second)).Configurations.Create(ctx, e2eParams())
			return err
		}, "stop: the caller's context ended", http.StatusBadGateway},
		{"deadline during a Create the server was working on", func() error {
			srv.Inject(freddytest.Fault{Kind: freddytest.FaultStall})
			ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			_, err := c.Configurations.Create(ctx, e2eParams())
			return err
		}, "the server may have acted", http.StatusBadGateway},
		{"deadline during an attempt", func() error {
			srv.Inject(freddytest.Fault{Kind: freddytest.FaultStall})
			ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			_, err := c.Configurations.Get(ctx, created.ID)
			return err
		}, "stop: the caller's context ended", http.StatusGatewayTimeout},
		{"a Create whose answer was lost, then 5xx", func() error {
			own := freddytest.Start(t) // its own faults and budget
			own.Inject(freddytest.Fault{Kind: freddytest.FaultDropAfterCommit}, freddytest.Fault{Kind: freddytest.FaultServerError}, freddytest.Fault{Kind: freddytest.FaultServerError})
			_, err := e2eClient(t, own).Configurations.Create(ctx, e2eParams())
			return err
		}, "the server may have acted", http.StatusBadGateway},
		{"dropped on every attempt", func() error {
			srv.Inject(freddytest.Repeat(freddytest.Fault{Kind: freddytest.FaultDrop}, 3)...)
			_, err := c.Configurations.Get(ctx, created.ID)
			return err
		}, "no usable response: retry later", http.StatusBadGateway},
		{"an attempt out of its WithTimeout", func() error {
			srv.Inject(freddytest.Fault{Kind: freddytest.FaultStall})
			_, err := c.Configurations.Get(ctx, created.ID, freddy.WithMaxRetries(0), freddy.WithTimeout(100*time.Millisecond))
			return err
		}, "no usable response: retry later", http.StatusGatewayTimeout},
		{"a 2xx to a write that is not JSON", func() error { _, err := oddClient.Configurations.Create(ctx, e2eParams()); return err }, "the server may have acted", http.StatusBadGateway},
		{"a 2xx to a read that is not JSON", func() error {
			_, err := oddClient.Configurations.List(ctx, freddy.ListConfigurationsParams{})
			return err
		}, "unexpected: freddy: List: 200 response is not valid JSON", http.StatusBadGateway},
		{"a status with no type", func() error { _, err := oddClient.Configurations.Get(ctx, "pconf_1"); return err }, "unexpected: freddy: Get pconf_1: 418 I'm a teapot", http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			got := next(err)
			assert.True(t, strings.HasPrefix(got, tt.want), "want a branch starting %q, got %q", tt.want, got)
			assert.Equal(t, tt.status, httpStatus(err), "httpStatus(%v)", err)
		})
	}
}

// TestReadmeAndExamplesBuildInAnotherModule copies docs/testing.md's snippet
// and a godoc example file into a new module that requires this checkout,
// as a user's module would, and runs them: examples that compile only inside
// this module (internal imports) fail here.
func TestReadmeAndExamplesBuildInAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	checkout, err := filepath.Abs(".")
	require.NoError(t, err)
	dir := t.TempDir()
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	write("go.mod", "module example.com/provision\n\ngo 1.25\n\nrequire github.com/aitronos/freddy-go v0.0.0\n\nreplace github.com/aitronos/freddy-go => "+checkout+"\n")
	sum, err := os.ReadFile("go.sum")
	require.NoError(t, err)
	write("go.sum", string(sum))
	write("provision_test.go", docBlock(t, testingDoc, "package provision_test"))
	example, err := os.ReadFile("example_test.go")
	require.NoError(t, err)
	write("example_test.go", strings.Replace(string(example), "package freddy_test", "package provision_test", 1))
	cmd := exec.Command("go", testenv.GoTestArgs("-count=1", "-v", ".")...)
	cmd.Dir = dir
	cmd.Env = testenv.Environ("GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, want := range []string{"--- PASS: TestConnectGitHub", "--- PASS: ExampleConfigurationsService_Create", "--- PASS: ExampleConfigurationsService_ListAll"} {
		assert.Contains(t, string(out), want)
	}
}
