package freddy_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/internal/emulator"
)

func ExampleConfigurationsService_Create() {
	// The built-in emulator stands in for https://api.aitronos.com; in
	// production NewClient() reads FREDDY_API_KEY and needs no options.
	emu := emulator.Start(emulator.Config{})
	defer emu.Close()
	client, err := freddy.NewClient(freddy.WithAPIKey(emu.APIKey), freddy.WithBaseURL(emu.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()

	cfg, err := client.Configurations.Create(context.Background(), freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "My GitHub Account",
		Credentials:         freddy.BearerCredentials("ghp_xxxxxxxxxxxx"),
		Configuration:       map[string]any{"repository": "aitronos/freddy-backend"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Name, cfg.Enabled, cfg.HealthStatus, cfg.Credentials)
	// Output: My GitHub Account true unknown ***REDACTED***
}

func ExampleRateLimitError() {
	// An emulator that allows one create per hour: the second call gets a
	// 429 whose Retry-After is longer than the client will sleep, so the
	// error comes back at once for the caller to schedule.
	emu := emulator.Start(emulator.Config{RateLimit: 1, Window: time.Hour})
	defer emu.Close()
	client, err := freddy.NewClient(freddy.WithAPIKey(emu.APIKey), freddy.WithBaseURL(emu.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	params := freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_clickup",
		Name:                "Work ClickUp",
		Credentials:         freddy.APIKeyCredentials("pk_xxxxxxxx"),
	}
	for range 2 {
		_, err = client.Configurations.Create(context.Background(), params)
	}

	var rl *freddy.RateLimitError
	if errors.As(err, &rl) {
		fmt.Println("rate limited:", errors.Is(err, freddy.ErrRateLimited))
		fmt.Println("retry in about an hour:", rl.RetryAfter > 59*time.Minute)
		fmt.Println("limit:", rl.Limit, "remaining:", rl.Remaining)
		// Retrying later with the same key cannot create a duplicate.
		fmt.Println("idempotency key kept:", rl.IdempotencyKey != "")
	}
	// Output:
	// rate limited: true
	// retry in about an hour: true
	// limit: 1 remaining: 0
	// idempotency key kept: true
}
