package otelfreddy_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
	"github.com/aitronos/freddy-go/otelfreddy"
)

// Every option given nil falls back to its default: the global providers,
// and W3C trace context for the propagator. Nothing panics.
func TestNilOptionsFallBackToTheDefaults(t *testing.T) {
	spans := globalSpans(t)
	srv := freddytest.Start(t)
	c, err := srv.Client(otelfreddy.WithTelemetry(otelfreddy.WithPropagator(nil),
		otelfreddy.WithTracerProvider(nil), otelfreddy.WithMeterProvider(nil), nil))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	if _, err := c.Configurations.List(context.Background(), freddy.ListConfigurationsParams{}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Header.Get("Traceparent") == "" {
		t.Fatalf("want one request carrying a traceparent, got %d: %v", len(reqs), reqs)
	}
	if n := len(spans.Ended()); n != 2 {
		t.Errorf("spans: %d, want 2 (call and attempt)", n)
	}
}

// globalSpans installs a recording TracerProvider as the global one for the
// test and returns its recorder.
func globalSpans(t *testing.T) *tracetest.SpanRecorder {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev); _ = tp.Shutdown(context.Background()) })
	return spans
}
