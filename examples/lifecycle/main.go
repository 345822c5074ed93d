// Command lifecycle walks a personal connector configuration through its
// whole life: create, list, get, update, disable, health check, delete.
//
//	go run ./examples/lifecycle -emulator   # against the built-in emulator
//	FREDDY_API_KEY=… go run ./examples/lifecycle
package main

import (
	"context"
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

func run(w io.Writer, useEmulator bool) error {
	var opts []freddy.Option
	if useEmulator {
		srv := freddytest.NewServer()
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
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	configs := client.Configurations

	// 1. Create
	created, err := configs.Create(ctx, freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_clickup",
		Name:                "Work ClickUp",
		Credentials:         freddy.APIKeyCredentials("pk_example_not_real"),
		Configuration:       map[string]any{"workspace": "engineering"},
		Metadata:            map[string]any{"team": "platform"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "1. created  %s %q enabled=%t health=%s\n", created.ID, created.Name, created.Enabled, created.HealthStatus)

	// 2. List: every ClickUp configuration, page by page.
	n := 0
	for cfg, err := range configs.ListAll(ctx, freddy.ListConfigurationsParams{PersonalConnectorID: "pcon_clickup"}) {
		if err != nil {
			return err
		}
		n++
		fmt.Fprintf(w, "2. listed   %s %q\n", cfg.ID, cfg.Name)
	}
	fmt.Fprintf(w, "   %d ClickUp configuration(s)\n", n)

	// 3. Get, with the response metadata.
	var resp freddy.Response
	got, err := configs.Get(ctx, created.ID, freddy.WithResponseInto(&resp))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "3. got      %s %q (request %s, %d attempt)\n", got.ID, got.Name, resp.RequestID, resp.Attempts)

	// 4. Update: rename and merge one configuration key.
	updated, err := configs.Update(ctx, created.ID, freddy.UpdateConfigurationParams{
		Name:          freddy.String("Work ClickUp (engineering)"),
		Configuration: map[string]any{"space": "backend"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "4. updated  %q configuration=%v\n", updated.Name, updated.Configuration)

	// 5. Disable.
	disabled, err := configs.SetEnabled(ctx, created.ID, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "5. disabled enabled=%t\n", disabled.Enabled)

	// 6. Health check: an unhealthy result is an answer, not an error.
	result, err := configs.Test(ctx, created.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "6. tested   %s: %s (%s)\n", result.Status, result.Message, result.Details.ResponseTime)

	// 7. Delete; afterwards the configuration is gone.
	if err := configs.Delete(ctx, created.ID); err != nil {
		return err
	}
	_, err = configs.Get(ctx, created.ID)
	fmt.Fprintf(w, "7. deleted  %s; Get now gives ErrNotFound: %t\n", created.ID, errors.Is(err, freddy.ErrNotFound))
	return nil
}
