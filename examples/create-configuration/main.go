// Command create-configuration creates a personal connector configuration and
// prints it as JSON. Against the built-in emulator it then makes each kind of
// error happen (refused params, 400, 401, 403, 404, 409, a 429 with its
// RetryAfter, a 5xx after its retries, a dropped connection and a deadline),
// each handled the way an application would.
//
//	go run ./examples/create-configuration -emulator   # against the built-in emulator
//	FREDDY_API_KEY=… go run ./examples/create-configuration
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
)

func main() {
	useEmulator := flag.Bool("emulator", false, "start the built-in Freddy emulator and run against it")
	flag.Parse()
	if err := run(os.Stdout, *useEmulator); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// token stands in for a real GitHub token: it is sent, and never printed.
const token = "ghp_example_token_not_real"

func run(w io.Writer, useEmulator bool) error {
	var opts []freddy.Option
	var srv *freddytest.Server
	if useEmulator {
		srv = freddytest.NewServer(freddytest.WithForbiddenConnectors("pcon_admin_only"))
		defer srv.Close()
		fmt.Fprintf(w, "started the Freddy emulator at %s\n", srv.URL)
		opts = append(opts, freddy.WithBaseURL(srv.URL), freddy.WithAPIKey(srv.APIKey))
	} else if os.Getenv(freddy.EnvAPIKey) == "" {
		return fmt.Errorf("%s is not set: export your Freddy API key, or pass -emulator to run against the built-in emulator", freddy.EnvAPIKey)
	}

	client, err := freddy.NewClient(opts...)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	params := freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "My GitHub Account",
		Credentials:         freddy.BearerCredentials(token),
		Configuration:       map[string]any{"repository": "aitronos/freddy-backend"},
	}
	cfg, err := client.Configurations.Create(ctx, params)
	if err != nil {
		return errors.New(describe(err))
	}
	out, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "created configuration %s:\n%s\n", cfg.ID, out)
	if srv == nil {
		return nil
	}
	return showErrors(ctx, w, srv, client, params, cfg.ID)
}

// showErrors makes each kind of error happen against the emulator.
func showErrors(ctx context.Context, w io.Writer, srv *freddytest.Server, client *freddy.Client, params freddy.CreateConfigurationParams, id string) error {
	fmt.Fprintln(w, "\nerror handling, one case each:")
	step := func(what string, err error) {
		fmt.Fprintf(w, "\n- %s\n  %s\n", what, describe(err))
	}

	noName := params
	noName.Name = ""
	_, err := client.Configurations.Create(ctx, noName)
	step("params the SDK refuses before sending", err)

	_, err = client.Configurations.Update(ctx, id, freddy.UpdateConfigurationParams{Credentials: freddy.BearerCredentials("ghp_INVALIDTOKEN")})
	step("credentials the server refuses (400)", err)

	wrongKey, err := freddy.NewClient(freddy.WithBaseURL(srv.URL), freddy.WithAPIKey("fk_wrong_key_for_demo"))
	if err != nil {
		return err
	}
	defer wrongKey.CloseIdleConnections()
	_, err = wrongKey.Configurations.Create(ctx, params)
	step("a wrong API key (401)", err)

	forbidden := params
	forbidden.PersonalConnectorID = "pcon_admin_only"
	_, err = client.Configurations.Create(ctx, forbidden)
	step("a connector this key may not configure (403)", err)

	_, err = client.Configurations.Get(ctx, "pconf_does_not_exist")
	step("a configuration that does not exist (404)", err)

	if _, err := client.Configurations.Create(ctx, params, freddy.WithIdempotencyKey("order-42")); err != nil {
		return err
	}
	renamed := params
	renamed.Name = "Another name"
	_, err = client.Configurations.Create(ctx, renamed, freddy.WithIdempotencyKey("order-42"))
	step("an idempotency key reused with another body (409)", err)

	srv.Inject(freddytest.Repeat(freddytest.Fault{Kind: freddytest.FaultServerError}, 3)...)
	_, err = client.Configurations.Create(ctx, params)
	step("a 500 on every attempt", err)

	srv.Inject(freddytest.Repeat(freddytest.Fault{Kind: freddytest.FaultDrop}, 3)...)
	_, err = client.Configurations.Create(ctx, params)
	step("a connection dropped on every attempt", err)

	srv.Inject(freddytest.Fault{Kind: freddytest.FaultStall})
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = client.Configurations.Create(short, params)
	step("a server that does not answer before the caller's deadline", err)

	// Last: the 429 spends the window for two minutes, and the client then
	// holds (or refuses) its calls until the reset instead of sending them.
	srv.Inject(freddytest.Fault{Kind: freddytest.FaultRateLimit, RetryAfter: 2 * time.Minute})
	_, err = client.Configurations.Create(ctx, params)
	step("a 429 asking for longer than the client waits", err)
	return nil
}

// describe is the handling code an application would write: errors.Is for
// the quick checks, errors.As for the detail.
func describe(err error) string {
	var (
		rl  *freddy.RateLimitError
		val *freddy.ValidationError
		nf  *freddy.NotFoundError
		ce  *freddy.ConflictError
		se  *freddy.ServerError
		api *freddy.APIError
		req *freddy.RequestError
	)
	switch {
	case err == nil:
		return "no error"
	case errors.Is(err, freddy.ErrInvalidParams):
		return "fix the params, nothing was sent: " + err.Error()
	case errors.As(err, &rl):
		return fmt.Sprintf("rate limited: schedule a retry in %s with idempotency key %s: %v", rl.RetryAfter, rl.IdempotencyKey, err)
	case errors.As(err, &val):
		return fmt.Sprintf("the server refused the request (code %s): %v", val.Code, err)
	case errors.Is(err, freddy.ErrUnauthorized):
		return "check FREDDY_API_KEY: " + err.Error()
	case errors.Is(err, freddy.ErrForbidden):
		return "this key may not do that: " + err.Error()
	case errors.As(err, &nf):
		return fmt.Sprintf("nothing to act on (code %s): %v", nf.Code, err)
	case errors.As(err, &ce):
		return fmt.Sprintf("use a new idempotency key for a new request (code %s): %v", ce.Code, err)
	case errors.As(err, &se):
		return fmt.Sprintf("the server failed after %d attempts; retry later with idempotency key %s: %v", se.Attempts, se.IdempotencyKey, err)
	case errors.As(err, &api):
		return fmt.Sprintf("API error %d %s: %v", api.StatusCode, api.Code, err)
	case errors.As(err, &req) && errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer before the deadline after %d attempt(s); retry with idempotency key %s: %v", req.Attempts, req.IdempotencyKey, err)
	case errors.As(err, &req):
		return fmt.Sprintf("no usable response after %d attempts: %v", req.Attempts, err)
	}
	return err.Error()
}
