package otelfreddy_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/otelfreddy"
)

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A retry granted but cancelled in its wait is not counted, and
// freddy.waited is the time actually waited: a 429 asking 3s cancelled
// 200ms in.
func TestCancelledRetryIsNotCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		spans, reader := tracetest.NewSpanRecorder(), sdkmetric.NewManualReader()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		sent := 0
		hc := &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
			sent++
			body := `{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"slow down","details":{"retry_after":3}}}`
			return &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"3"}, "Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
		})}
		c, err := freddy.NewClient(freddy.WithAPIKey("fk_test_0123456789abcdef"), freddy.WithHTTPClient(hc),
			freddy.WithRateLimitPacing(false), otelfreddy.WithTelemetry(otelfreddy.WithTracerProvider(tp), otelfreddy.WithMeterProvider(mp)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := c.Configurations.Get(ctx, "pconf_1")
			done <- err
		}()
		synctest.Wait() // the call sleeps in its 3s wait
		time.Sleep(200 * time.Millisecond)
		cancel()
		if err := <-done; err == nil {
			t.Fatal("want the cancelled call's error")
		}
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		if n, _ := sumCounts(rm, "freddy.client.retries"); n != 0 || sent != 1 {
			t.Errorf("freddy.client.retries = %d with %d request(s) sent, want 0 and 1", n, sent)
		}
		ended := spans.Ended()
		call := ended[len(ended)-1]
		if w := attrs(call.Attributes())["freddy.waited"]; w != "0.2" {
			t.Errorf("freddy.waited = %s, want 0.2", w)
		}
	})
}
