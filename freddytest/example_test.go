package freddytest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	freddy "github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
)

// Start a server, create through the SDK, make the server fail once and
// watch the SDK retry, then look at what the server stored.
func Example() {
	srv := freddytest.NewServer() // in a test: srv := freddytest.Start(t)
	defer srv.Close()

	client, err := srv.Client()
	if err != nil {
		panic(err)
	}
	params := freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "My GitHub Account",
		Credentials:         freddy.BearerCredentials("ghp_test"),
	}
	cfg, err := client.Configurations.Create(context.Background(), params)
	if err != nil {
		panic(err)
	}
	fmt.Println("created:", cfg.Name, cfg.Credentials, cfg.HealthStatus)

	// The next request gets the documented 500; the SDK retries it with the
	// same Idempotency-Key.
	srv.Inject(freddytest.Fault{Kind: freddytest.FaultServerError})
	params.Name = "Work GitHub"
	if _, err := client.Configurations.Create(context.Background(), params); err != nil {
		panic(err)
	}
	reqs := srv.Requests()
	fmt.Println("requests:", len(reqs))
	fmt.Println("same key on the retry:", reqs[1].Header.Get("Idempotency-Key") == reqs[2].Header.Get("Idempotency-Key"))

	for _, c := range srv.Configurations() {
		fmt.Println("stored:", c.Name, c.Enabled)
	}
	// Output:
	// created: My GitHub Account ***REDACTED*** unknown
	// requests: 3
	// same key on the retry: true
	// stored: My GitHub Account true
	// stored: Work GitHub true
}

// A FaultRateLimit spends the Client's view of the window, not only the
// call that got it: the Client holds its later calls until the reset the
// 429 reported, and refuses at once, unsent, those that would wait longer
// than their max retry wait. One call with WithRateLimitPacing(false), or a
// fresh Client, is sent at once; a gateway's bare 429 reports no window.
func Example_rateLimits() {
	srv := freddytest.NewServer()
	defer srv.Close()
	ctx, list := context.Background(), freddy.ListConfigurationsParams{}
	client, err := srv.Client(freddy.WithMaxRetries(0))
	if err != nil {
		panic(err)
	}

	srv.Inject(freddytest.Fault{Kind: freddytest.FaultRateLimit, RetryAfter: time.Minute})
	_, err = client.Configurations.List(ctx, list)
	fmt.Println("429:", errors.Is(err, freddy.ErrRateLimited))
	fmt.Println("the Client's view is spent:", client.RateLimit().Remaining == 0)

	// The window is spent for a minute, beyond the 10s max retry wait.
	_, err = client.Configurations.List(ctx, list)
	var rl *freddy.RateLimitError
	fmt.Println("next call refused unsent:", errors.As(err, &rl) && rl.StatusCode == 0, len(srv.Requests()))
	_, err = client.Configurations.List(ctx, list, freddy.WithRateLimitPacing(false))
	fmt.Println("unpaced call:", err)

	fresh, err := srv.Client(freddy.WithMaxRetries(0))
	if err != nil {
		panic(err)
	}
	_, err = fresh.Configurations.List(ctx, list)
	fmt.Println("fresh Client:", err)

	srv.Inject(freddytest.Fault{Kind: freddytest.FaultGatewayRateLimit, RetryAfter: time.Minute})
	_, err = fresh.Configurations.List(ctx, list)
	fmt.Println("gateway 429:", errors.As(err, &rl) && rl.StatusCode == 429, rl.RetryAfter, "window reported:", rl.Limit != 0)
	// Output:
	// 429: true
	// the Client's view is spent: true
	// next call refused unsent: true 1
	// unpaced call: <nil>
	// fresh Client: <nil>
	// gateway 429: true 1m0s window reported: false
}
