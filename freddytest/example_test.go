package freddytest_test

import (
	"context"
	"fmt"

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
