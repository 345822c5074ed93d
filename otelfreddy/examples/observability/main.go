// Command observability creates a configuration against the built-in Freddy
// emulator, with one injected 500 so that the Create is retried once, and
// prints the OpenTelemetry spans it produced with the stdout exporter: one
// call span, freddy.configurations.create, and under it one CLIENT span per
// attempt. It lives in the otelfreddy module so that the SDK module itself
// needs no OpenTelemetry dependency.
//
//	cd otelfreddy && go run ./examples/observability
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
	"github.com/aitronos/freddy-go/otelfreddy"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	emu := freddytest.NewServer()
	defer emu.Close()
	emu.Inject(freddytest.Fault{Kind: freddytest.FaultServerError})

	exporter, err := stdouttrace.New(stdouttrace.WithWriter(w), stdouttrace.WithPrettyPrint(), stdouttrace.WithoutTimestamps())
	if err != nil {
		return err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	// The line that turns tracing on (add otelfreddy.WithMeterProvider for
	// metrics).
	client, err := emu.Client(otelfreddy.WithTelemetry(otelfreddy.WithTracerProvider(tp)))
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	cfg, err := client.Configurations.Create(context.Background(), freddy.CreateConfigurationParams{
		PersonalConnectorID: "pcon_github",
		Name:                "My GitHub Account",
		Credentials:         freddy.BearerCredentials("ghp_example_token_not_real"),
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "created %s after %d requests; the spans are above\n", cfg.ID, len(emu.Requests()))
	return err
}
