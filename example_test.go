package freddy_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
)

func ExampleConfigurationsService_Create() {
	// freddytest stands in for https://api.aitronos.com; in production
	// NewClient() reads FREDDY_API_KEY and needs no options.
	srv := freddytest.NewServer()
	defer srv.Close()
	client, err := freddy.NewClient(freddy.WithAPIKey(srv.APIKey), freddy.WithBaseURL(srv.URL))
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

func ExampleConfigurationsService_ListAll() {
	srv := freddytest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	ctx := context.Background()
	for _, name := range []string{"Backend", "Frontend", "Docs"} {
		_, err := client.Configurations.Create(ctx, freddy.CreateConfigurationParams{
			PersonalConnectorID: "pcon_github", Name: name, Credentials: freddy.BearerCredentials("ghp_xxxxxxxxxxxx"),
		})
		if err != nil {
			fmt.Println(err)
			return
		}
	}

	// Pages of two: ListAll follows the cursor until the last page.
	for cfg, err := range client.Configurations.ListAll(ctx, freddy.ListConfigurationsParams{Limit: 2}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(cfg.Name)
	}
	// Output:
	// Backend
	// Frontend
	// Docs
}

func ExampleConfigurationsService_Update() {
	srv := freddytest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	ctx := context.Background()
	cfg, err := client.Configurations.Create(ctx, freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github", Name: "Backend", Credentials: freddy.BearerCredentials("ghp_old_token"),
		Configuration: map[string]any{"repository": "aitronos/freddy-backend"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// Rotate the token and add a branch; the repository stays.
	cfg, err = client.Configurations.Update(ctx, cfg.ID, freddy.UpdateConfigurationParams{
		Configuration: map[string]any{"branch": "main"},
		Credentials:   freddy.BearerCredentials("ghp_new_token"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Configuration["repository"], cfg.Configuration["branch"])
	// Output: aitronos/freddy-backend main
}

func ExampleConfigurationsService_Test() {
	srv := freddytest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	ctx := context.Background()
	cfg, err := client.Configurations.Create(ctx, freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_clickup", Name: "Work ClickUp", Credentials: freddy.APIKeyCredentials("pk_xxxxxxxx"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv.SetHealth(cfg.ID, freddy.HealthStatusUnhealthy, "Authentication failed. Invalid API key.")

	// An unhealthy configuration is a result, not an error.
	res, err := client.Configurations.Test(ctx, cfg.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.Message)
	// Output: unhealthy Authentication failed. Invalid API key.
}

func ExampleConfigurationsService_Delete() {
	srv := freddytest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	ctx := context.Background()
	cfg, err := client.Configurations.Create(ctx, freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github", Name: "Old", Credentials: freddy.BearerCredentials("ghp_xxxxxxxxxxxx"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(client.Configurations.Delete(ctx, cfg.ID))
	_, err = client.Configurations.Get(ctx, cfg.ID)
	fmt.Println(errors.Is(err, freddy.ErrNotFound))
	// Output:
	// <nil>
	// true
}

func ExampleRateLimitError() {
	// A server that allows one create per hour: the first response says the
	// window is spent until the reset, an hour away, longer than the client
	// will wait, so the second call comes back at once, unsent, for the
	// caller to schedule.
	srv := freddytest.NewServer(freddytest.WithRateLimit(1, time.Hour))
	defer srv.Close()
	client, err := freddy.NewClient(freddy.WithAPIKey(srv.APIKey), freddy.WithBaseURL(srv.URL))
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

func ExampleWithResponseInto() {
	srv := freddytest.NewServer(freddytest.WithRateLimit(100, time.Minute))
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	var resp freddy.Response
	_, err = client.Configurations.List(context.Background(), freddy.ListConfigurationsParams{}, freddy.WithResponseInto(&resp))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Attempts, resp.RateLimit.Limit, resp.RateLimit.Remaining)
	// Output: 200 1 100 99
}

func ExampleWithLimiter() {
	// A limit known in advance: at most 5 attempts a second from this
	// process, in bursts of 2. The client calls Wait before every attempt,
	// retries included; *rate.Limiter satisfies freddy.Limiter.
	srv := freddytest.NewServer()
	defer srv.Close()
	client, err := freddy.NewClient(freddy.WithAPIKey(srv.APIKey), freddy.WithBaseURL(srv.URL),
		freddy.WithLimiter(rate.NewLimiter(5, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	_, err = client.Configurations.Create(context.Background(), freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_clickup",
		Name:                "Work ClickUp",
		Credentials:         freddy.APIKeyCredentials("pk_xxxxxxxx"),
	})
	fmt.Println("created:", err == nil)
	fmt.Println("window seen:", client.RateLimit().Limit > 0)
	// Output:
	// created: true
	// window seen: true
}
