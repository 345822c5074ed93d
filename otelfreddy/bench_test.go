package otelfreddy_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/otelfreddy"
)

// BenchmarkCreate measures what otelfreddy costs a Create: the same client
// without it ("bare") and with it, every span sampled and recorded (not
// exported), metrics
// aggregated ("otel"), against one loopback server answering the documented
// 200 body.
func BenchmarkCreate(b *testing.B) {
	body, err := os.ReadFile("../testdata/create_200.json")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	tp := sdktrace.NewTracerProvider() // spans recorded, not exported
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	for _, side := range []struct {
		name string
		opts []freddy.Option
	}{
		{"bare", nil},
		{"otel", []freddy.Option{otelfreddy.WithTelemetry(otelfreddy.WithTracerProvider(tp), otelfreddy.WithMeterProvider(mp))}},
	} {
		b.Run(side.name, func(b *testing.B) {
			c, err := freddy.NewClient(append([]freddy.Option{freddy.WithAPIKey("fk_bench_key_0123456789"), freddy.WithBaseURL(srv.URL)}, side.opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseIdleConnections()
			p := params()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Configurations.Create(context.Background(), p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
