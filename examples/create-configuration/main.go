// Command create-configuration creates a personal connector configuration and
// prints it as JSON, then shows how each typed error is handled.
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
	"os"
	"time"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/internal/emulator"
)

func main() {
	useEmulator := flag.Bool("emulator", false, "start the built-in Freddy emulator and run against it")
	flag.Parse()
	if err := run(*useEmulator); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(useEmulator bool) error {
	var opts []freddy.Option
	var emu *emulator.Server
	if useEmulator {
		emu = emulator.Start(emulator.Config{})
		defer emu.Close()
		fmt.Printf("started the Freddy emulator at %s\n", emu.URL)
		opts = append(opts, freddy.WithBaseURL(emu.URL), freddy.WithAPIKey(emu.APIKey))
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

	cfg, err := client.Configurations.Create(ctx, freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "My GitHub Account",
		Credentials:         freddy.BearerCredentials("ghp_example_token_not_real"),
		Configuration:       map[string]any{"repository": "aitronos/freddy-backend"},
	})
	if err != nil {
		return describe(err)
	}
	out, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	fmt.Printf("created configuration %s:\n%s\n", cfg.ID, out)

	if emu == nil {
		return nil
	}
	// Against the emulator, show the error types too: a request without a
	// name never leaves the process, and a wrong key is refused by the server.
	fmt.Println("\nerror handling:")
	_, err = client.Configurations.Create(ctx, freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github", Credentials: freddy.BearerCredentials("ghp_example_token_not_real"),
	})
	fmt.Println(" ", describe(err))
	bad, err := freddy.NewClient(freddy.WithBaseURL(emu.URL), freddy.WithAPIKey("fk_wrong_key_for_demo"))
	if err != nil {
		return err
	}
	defer bad.CloseIdleConnections()
	_, err = bad.Configurations.Create(ctx, freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github", Name: "x", Credentials: freddy.BearerCredentials("ghp_example_token_not_real"),
	})
	fmt.Println(" ", describe(err))
	return nil
}

// describe shows the usual way to branch on the SDK's errors.
func describe(err error) error {
	var (
		rl   *freddy.RateLimitError
		val  *freddy.ValidationError
		auth *freddy.AuthenticationError
		api  *freddy.APIError
		req  *freddy.RequestError
	)
	switch {
	case errors.Is(err, freddy.ErrInvalidParams):
		return fmt.Errorf("invalid params, nothing was sent: %w", err)
	case errors.As(err, &rl):
		return fmt.Errorf("rate limited; retry after %s with idempotency key %s: %w", rl.RetryAfter, rl.IdempotencyKey, err)
	case errors.As(err, &val):
		return fmt.Errorf("the server rejected the params (details %v): %w", val.Details, err)
	case errors.As(err, &auth):
		return fmt.Errorf("check FREDDY_API_KEY: %w", err)
	case errors.As(err, &api):
		return fmt.Errorf("API error %d %s: %w", api.StatusCode, api.Code, err)
	case errors.As(err, &req):
		return fmt.Errorf("no response after %d attempts; retry with idempotency key %s: %w", req.Attempts, req.IdempotencyKey, err)
	}
	return err
}
