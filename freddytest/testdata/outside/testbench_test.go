// Package provision_test is a user's module: it uses only freddy-go's
// public API. freddytest's TestTestBenchInAnotherModule copies it into a
// new module and runs it.
package provision_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
)

// connectAndCheck is the code under test: it creates a configuration, then
// health-checks it.
func connectAndCheck(ctx context.Context, c *freddy.Client, token string) (*freddy.Configuration, error) {
	cfg, err := c.Configurations.Create(ctx, freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "GitHub",
		Credentials:         freddy.BearerCredentials(token),
	})
	if err != nil {
		return nil, err
	}
	if _, err := c.Configurations.Test(ctx, cfg.ID); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func TestOnlyTheHealthCheckFails(t *testing.T) {
	srv := freddytest.Start(t)
	// One targeted fault: every POST …/{id}/test fails, nothing else does.
	srv.Inject(freddytest.Fault{Kind: freddytest.FaultServerError, Method: http.MethodPost, Path: "/{id}/test", Count: -1})
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer client.CloseIdleConnections()
	cfg, err := connectAndCheck(context.Background(), client, "ghp_outside_token")
	if !errors.Is(err, freddy.ErrServer) {
		t.Fatalf("err = %v, want the health check's ErrServer", err)
	}
	if cfg == nil || len(srv.Configurations()) != 1 {
		t.Fatalf("the create should have succeeded: cfg %v, stored %d", cfg, len(srv.Configurations()))
	}
	tests := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/personal-connectors/configurations/"+cfg.ID+"/test" {
			tests++
		}
	}
	if tests != 3 {
		t.Errorf("%d health checks received, want 3 (the SDK's attempts)", tests)
	}
}

func TestLifecycleOverTLS(t *testing.T) {
	srv := freddytest.StartTLS(t)
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer client.CloseIdleConnections()
	ctx := context.Background()
	cfg, err := client.Configurations.Create(ctx, freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "GitHub",
		Credentials:         freddy.BearerCredentials("ghp_outside_tls"),
	})
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { _, err := client.Configurations.Get(ctx, cfg.ID); return err },
		func() error {
			_, err := client.Configurations.List(ctx, freddy.ListConfigurationsParams{PersonalConnectorID: "pcon_github"})
			return err
		},
		func() error {
			for _, err := range client.Configurations.ListAll(ctx, freddy.ListConfigurationsParams{}) {
				if err != nil {
					return err
				}
			}
			return nil
		},
		func() error {
			_, err := client.Configurations.Update(ctx, cfg.ID, freddy.UpdateConfigurationParams{Name: freddy.String("Renamed")})
			return err
		},
		func() error { _, err := client.Configurations.SetEnabled(ctx, cfg.ID, false); return err },
		func() error { _, err := client.Configurations.Test(ctx, cfg.ID); return err },
		func() error { return client.Configurations.Delete(ctx, cfg.ID) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 8 {
		t.Fatalf("%d requests, want 8", len(reqs))
	}
	for _, r := range reqs {
		if r.Proto != "HTTP/2.0" {
			t.Errorf("%s %s came in %s, want HTTP/2.0", r.Method, r.Path, r.Proto)
		}
	}
}
