// Command rate-limits runs the client against the built-in emulator with
// injected faults and shows the retry layer at work: retries with one
// idempotency key, a 429 the client waits out, and a 429 it hands back with
// RetryAfter for the caller to schedule.
//
//	go run ./examples/rate-limits
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	emu := freddytest.NewServer()
	defer emu.Close()
	fmt.Printf("started the Freddy emulator at %s\n", emu.URL)

	// Debug records show each attempt and retry decision; they never hold
	// the API key or credentials.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	client, err := freddy.NewClient(
		freddy.WithAPIKey(emu.APIKey),
		freddy.WithBaseURL(emu.URL),
		freddy.WithRetryWait(100*time.Millisecond, time.Second),
		freddy.WithMaxRetryWait(5*time.Second),
		freddy.WithLogger(logger),
	)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	ctx := context.Background()
	params := freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "My GitHub Account",
		Credentials:         freddy.BearerCredentials("ghp_example_token_not_real"),
	}

	fmt.Println("\n1. a 500 and a proxy's HTML 502, then success: three attempts, one key, one configuration")
	emu.Inject(freddytest.Fault{Kind: freddytest.FaultServerError}, freddytest.Fault{Kind: freddytest.FaultBadGatewayHTML})
	cfg, err := client.Configurations.Create(ctx, params)
	if err != nil {
		return err
	}
	fmt.Printf("created %s after %d requests; the emulator stores %d configuration(s)\n",
		cfg.ID, len(emu.Requests()), len(emu.Configurations()))

	fmt.Println("\n2. a 429 asking for 1s: the client holds the retry until the reset the response gave, then succeeds")
	emu.Inject(freddytest.Fault{Kind: freddytest.FaultRateLimit, RetryAfter: time.Second})
	start := time.Now()
	if _, err := client.Configurations.Create(ctx, params); err != nil {
		return err
	}
	fmt.Printf("succeeded after %s\n", time.Since(start).Round(100*time.Millisecond))

	fmt.Println("\n3. a 429 asking for 2 minutes, longer than WithMaxRetryWait(5s): returned at once")
	emu.Inject(freddytest.Fault{Kind: freddytest.FaultRateLimit, RetryAfter: 2 * time.Minute})
	_, err = client.Configurations.Create(ctx, params)
	var rl *freddy.RateLimitError
	if !errors.As(err, &rl) {
		return fmt.Errorf("expected a rate limit error, got %v", err)
	}
	fmt.Printf("error: %v\nretry after %s with idempotency key %s\n", err, rl.RetryAfter, rl.IdempotencyKey)

	fmt.Println("\n4. the caller retries later with the same key: no duplicate")
	// Later is a new Client here (the job's next run): this one holds its
	// calls until the window the 429 reported resets.
	client, err = freddy.NewClient(freddy.WithAPIKey(emu.APIKey), freddy.WithBaseURL(emu.URL))
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	before := len(emu.Configurations())
	cfg, err = client.Configurations.Create(ctx, params, freddy.WithIdempotencyKey(rl.IdempotencyKey))
	if err != nil {
		return err
	}
	again, err := client.Configurations.Create(ctx, params, freddy.WithIdempotencyKey(rl.IdempotencyKey))
	if err != nil {
		return err
	}
	fmt.Printf("created %s, replayed %s; configurations added: %d\n", cfg.ID, again.ID, len(emu.Configurations())-before)
	return nil
}
