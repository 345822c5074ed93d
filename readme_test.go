package freddy_test

import (
	"context"
	"errors"
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
)

// next is README's error switch, verbatim: TestReadmeSwitchIsThisOne keeps
// the two the same.
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

// createOnce is README's look-it-up recipe, verbatim:
// TestReadmeRecipeIsThisOne keeps the two the same.
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

// readmeBlock returns the first ```go block of README.md that contains
// marker.
func readmeBlock(t *testing.T, marker string) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, part := range strings.Split(string(b), "```go\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		if strings.Contains(block, marker) {
			return block
		}
	}
	t.Fatalf("README.md has no go block with %q", marker)
	return ""
}

// sourceFunc returns the function of readme_test.go whose doc comment starts
// with head, through its closing brace.
func sourceFunc(t *testing.T, head string) string {
	t.Helper()
	src, err := os.ReadFile("readme_test.go")
	require.NoError(t, err)
	start := strings.Index(string(src), head)
	end := strings.Index(string(src)[start:], "\n}\n")
	require.True(t, start > 0 && end > 0)
	return string(src)[start : start+end+3]
}

func TestReadmeSwitchIsThisOne(t *testing.T) {
	assert.Equal(t, sourceFunc(t, "// next says"), readmeBlock(t, "func next(err error) string"))
}

func TestReadmeRecipeIsThisOne(t *testing.T) {
	assert.Equal(t, sourceFunc(t, "// createOnce creates"), readmeBlock(t, "func createOnce("))
}

// TestReadmeRecipeLooksUpWhenTheOutcomeIsUnknown runs README's recipe where
// the outcome is unknown: a Create stored whose answer was lost is found,
// and a Create whose deadline passed while the server held it is looked up
// under the recipe's own context, not found, and returned as it failed.
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

// TestReadmeSwitchOverEveryOutcome runs README's switch over what each kind
// of failure returns and checks the branch it takes.
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
		name string
		call func() error
		want string
	}{
		{"success", func() error { _, err := c.Configurations.Get(ctx, created.ID); return err }, "done"},
		{"bad params", func() error { _, err := c.Configurations.Get(ctx, ""); return err }, "fix the params: nothing was sent"},
		{"400", func() error {
			_, err := c.Configurations.Update(ctx, created.ID, freddy.UpdateConfigurationParams{Credentials: freddy.BearerCredentials("ghp_INVALIDTOKEN")})
			return err
		}, "the server refused the request as sent"},
		{"401", func() error {
			_, err := e2eClient(t, srv, freddy.WithAPIKey("fk_wrong_00000000")).Configurations.Get(ctx, created.ID)
			return err
		}, "check the API key and its permissions"},
		{"403", func() error {
			p := e2eParams()
			p.PersonalConnectorID = "pcon_admin"
			_, err := c.Configurations.Create(ctx, p)
			return err
		}, "check the API key and its permissions"},
		{"404", func() error { _, err := c.Configurations.Get(ctx, "pconf_missing"); return err }, "the configuration does not exist"},
		{"409", func() error {
			if _, err := c.Configurations.Create(ctx, e2eParams(), freddy.WithIdempotencyKey("k-409")); err != nil {
				return err
			}
			p := e2eParams()
			p.Name = "other"
			_, err := c.Configurations.Create(ctx, p, freddy.WithIdempotencyKey("k-409"))
			return err
		}, "the server refused the request as sent"},
		{"429 longer than the max wait", func() error {
			srv.Inject(freddytest.Fault{Kind: freddytest.FaultRateLimit, RetryAfter: time.Hour})
			// A client of its own: the 429 spends its window for an hour,
			// and it would hold the cases after this one.
			_, err := e2eClient(t, srv).Configurations.Create(ctx, e2eParams(), freddy.WithIdempotencyKey("k-429"))
			return err
		}, "retry after 1h0m0s with idempotency key k-429"},
		{"5xx on every attempt", func() error {
			srv.Inject(freddytest.Repeat(freddytest.Fault{Kind: freddytest.FaultServerError}, 3)...)
			_, err := c.Configurations.Get(ctx, created.ID)
			return err
		}, "the server failed: retry later"},
		{"cancelled while waiting after a 429", func() error {
			srv.Inject(freddytest.Fault{Kind: freddytest.FaultRateLimit, RetryAfter: 5 * time.Second})
			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			time.AfterFunc(100*time.Millisecond, cancel)
			_, err := e2eClient(t, srv, freddy.WithRetryWait(time.Second, time.Second)).Configurations.Create(ctx, e2eParams())
			return err
		}, "stop: the caller's context ended"},
		{"deadline during a Create the server was working on", func() error {
			srv.Inject(freddytest.Fault{Kind: freddytest.FaultStall})
			ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			_, err := c.Configurations.Create(ctx, e2eParams())
			return err
		}, "the server may have acted"},
		{"deadline during an attempt", func() error {
			srv.Inject(freddytest.Fault{Kind: freddytest.FaultStall})
			ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			_, err := c.Configurations.Get(ctx, created.ID)
			return err
		}, "stop: the caller's context ended"},
		{"a Create whose answer was lost, then 5xx", func() error {
			own := freddytest.Start(t) // its own faults and budget
			own.Inject(freddytest.Fault{Kind: freddytest.FaultDropAfterCommit}, freddytest.Fault{Kind: freddytest.FaultServerError}, freddytest.Fault{Kind: freddytest.FaultServerError})
			_, err := e2eClient(t, own).Configurations.Create(ctx, e2eParams())
			return err
		}, "the server may have acted"},
		{"dropped on every attempt", func() error {
			srv.Inject(freddytest.Repeat(freddytest.Fault{Kind: freddytest.FaultDrop}, 3)...)
			_, err := c.Configurations.Get(ctx, created.ID)
			return err
		}, "no usable response: retry later"},
		{"a 2xx to a write that is not JSON", func() error { _, err := oddClient.Configurations.Create(ctx, e2eParams()); return err }, "the server may have acted"},
		{"a 2xx to a read that is not JSON", func() error {
			_, err := oddClient.Configurations.List(ctx, freddy.ListConfigurationsParams{})
			return err
		}, "unexpected: freddy: List: 200 response is not valid JSON"},
		{"a status with no type", func() error { _, err := oddClient.Configurations.Get(ctx, "pconf_1"); return err }, "unexpected: freddy: Get pconf_1: 418 I'm a teapot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := next(tt.call())
			assert.True(t, strings.HasPrefix(got, tt.want), "want a branch starting %q, got %q", tt.want, got)
		})
	}
}

// TestReadmeAndExamplesBuildInAnotherModule copies README's testing snippet
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
	write("provision_test.go", readmeBlock(t, "package provision_test"))
	example, err := os.ReadFile("example_test.go")
	require.NoError(t, err)
	write("example_test.go", strings.Replace(string(example), "package freddy_test", "package provision_test", 1))
	cmd := exec.Command("go", "test", "-count=1", "-v", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, want := range []string{"--- PASS: TestConnectGitHub", "--- PASS: ExampleConfigurationsService_Create", "--- PASS: ExampleConfigurationsService_ListAll"} {
		assert.Contains(t, string(out), want)
	}
}
