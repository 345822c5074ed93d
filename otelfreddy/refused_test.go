package otelfreddy_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/otelfreddy"
)

// unsocketed is a Client reporting to an in-memory span recorder and metric
// reader, whose requests rt answers without a socket (for synctest).
func unsocketed(t *testing.T, rt rtFunc, opts ...freddy.Option) (*freddy.Client, *tracetest.SpanRecorder, *sdkmetric.ManualReader) {
	t.Helper()
	spans, reader := tracetest.NewSpanRecorder(), sdkmetric.NewManualReader()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	c, err := freddy.NewClient(append([]freddy.Option{freddy.WithAPIKey("fk_test_0123456789abcdef"),
		freddy.WithHTTPClient(&http.Client{Transport: rt}),
		otelfreddy.WithTelemetry(otelfreddy.WithTracerProvider(tp), otelfreddy.WithMeterProvider(mp))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, spans, reader
}

// configurationReply answers 200 with a configuration and the window the
// headers give.
func configurationReply(r *http.Request, remaining, reset string) *http.Response {
	body := `{"id":"pconf_1","object":"personal_connector.configuration","personalConnectorId":"pcon_github","name":"GitHub","enabled":true}`
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"},
		"X-Ratelimit-Limit-Requests": {"1"}, "X-Ratelimit-Remaining-Requests": {remaining}, "X-Ratelimit-Reset-Requests": {reset}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}
}

// operationDuration returns the one freddy.client.operation.duration point
// of the calls with these error.type, its count and sum.
func operationDuration(t *testing.T, reader *sdkmetric.ManualReader, errorType string) (count uint64, sum float64) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			h, ok := m.Data.(metricdata.Histogram[float64])
			if m.Name != "freddy.client.operation.duration" || !ok {
				continue
			}
			for _, p := range h.DataPoints {
				if v, _ := p.Attributes.Value("error.type"); v.AsString() == errorType {
					count += p.Count
					sum += p.Sum
				}
			}
		}
	}
	return count, sum
}

// The call span starts before the pacing hold: a call held 1.5s before its
// first attempt has a call span and a call duration of 1.5s.
func TestCallHeldBeforeItsFirstAttemptLastsTheHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, spans, reader := unsocketed(t, func(r *http.Request) (*http.Response, error) {
			return configurationReply(r, "0", "1.5s"), nil
		})
		ctx := context.Background()
		if _, err := c.Configurations.Get(ctx, "pconf_1"); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := c.Configurations.Get(ctx, "pconf_1"); err != nil {
			t.Fatal(err)
		}
		if held := time.Since(start); held != 1500*time.Millisecond {
			t.Fatalf("the second call took %v, want the 1.5s hold", held)
		}
		ended := spans.Ended()
		call := ended[len(ended)-1]
		if d := call.EndTime().Sub(call.StartTime()); d < 1500*time.Millisecond {
			t.Errorf("call span lasts %v, want at least the 1.5s hold", d)
		}
		if count, sum := operationDuration(t, reader, ""); count != 2 || sum < 1.5 {
			t.Errorf("freddy.client.operation.duration: %d points summing %vs, want 2 summing at least 1.5s", count, sum)
		}
	})
}

// A call refused before its first attempt (a Limiter, the pacer, bad
// params) is one call span with no attempt span, an Error status and its
// kind, and one freddy.client.operation.duration point.
func TestCallRefusedBeforeItsFirstAttemptIsASpanAndAPoint(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sent := 0
		refuse := false
		c, spans, reader := unsocketed(t, func(r *http.Request) (*http.Response, error) {
			sent++
			return configurationReply(r, "0", "30s"), nil
		}, freddy.WithLimiter(limiterFunc(func(context.Context) error {
			if refuse {
				return errors.New("store says no")
			}
			return nil
		})))
		ctx := context.Background()
		if _, err := c.Configurations.Get(ctx, "pconf_1"); err != nil {
			t.Fatal(err)
		}
		// The pacer: the window is spent for 30s, beyond the max wait.
		if _, err := c.Configurations.Get(ctx, "pconf_1"); !errors.Is(err, freddy.ErrRateLimited) {
			t.Fatalf("pacer: err = %v", err)
		}
		// The Limiter.
		refuse = true
		if _, err := c.Configurations.Get(ctx, "pconf_1", freddy.WithRateLimitPacing(false)); !errors.Is(err, freddy.ErrRateLimited) {
			t.Fatalf("limiter: err = %v", err)
		}
		// Bad params.
		if _, err := c.Configurations.Get(ctx, ""); !errors.Is(err, freddy.ErrInvalidParams) {
			t.Fatalf("bad params: err = %v", err)
		}
		if sent != 1 {
			t.Fatalf("%d requests sent, want 1", sent)
		}
		ended := spans.Ended()
		var calls []sdktrace.ReadOnlySpan
		for _, s := range ended {
			if s.SpanKind().String() == "internal" {
				calls = append(calls, s)
			}
		}
		if len(ended) != 5 || len(calls) != 4 {
			t.Fatalf("%d spans, %d of them call spans; want 5 and 4:\n%s", len(ended), len(calls), describe(ended))
		}
		for i, want := range []string{"rate_limited", "rate_limited", "invalid_params"} {
			s := calls[i+1]
			a := attrs(s.Attributes())
			if s.Status().Code != codes.Error || a["error.type"] != want || a["freddy.error.kind"] != want || a["freddy.attempts"] != "0" {
				t.Errorf("refused call %d: status %v, attributes %v; want Error, %s, 0 attempts", i, s.Status(), a, want)
			}
		}
		if count, _ := operationDuration(t, reader, "rate_limited"); count != 2 {
			t.Errorf("%d rate_limited operation points, want 2", count)
		}
		if count, _ := operationDuration(t, reader, "invalid_params"); count != 1 {
			t.Errorf("%d invalid_params operation points, want 1", count)
		}
	})
}

// limiterFunc is a freddy.Limiter made of a function.
type limiterFunc func(context.Context) error

func (f limiterFunc) Wait(ctx context.Context) error { return f(ctx) }
