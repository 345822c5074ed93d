package otelfreddy_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
	"github.com/aitronos/freddy-go/otelfreddy"
)

const token = "ghp_OTELSECRET_0123456789abcdef"

// telemetry is a freddytest server and a client reporting to an in-memory
// span recorder and a manual metric reader.
type telemetry struct {
	srv    *freddytest.Server
	client *freddy.Client
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
}

func setup(t *testing.T, opts ...freddy.Option) *telemetry {
	t.Helper()
	tel := &telemetry{srv: freddytest.Start(t), spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	var err error
	tel.client, err = tel.srv.Client(append([]freddy.Option{otelfreddy.WithTelemetry(
		otelfreddy.WithTracerProvider(tp), otelfreddy.WithMeterProvider(mp))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tel.client.CloseIdleConnections)
	return tel
}

func params() freddy.CreateConfigurationParams {
	return freddy.CreateConfigurationParams{PersonalConnectorID: "pcon_github", Name: "GitHub", Credentials: freddy.BearerCredentials(token)}
}

func attrs(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

// describe renders ended spans as docs/reference.md's Observability section shows
// them: each root span, then its children indented, in start order.
func describe(spans []sdktrace.ReadOnlySpan, keys ...string) string {
	var b strings.Builder
	line := func(s sdktrace.ReadOnlySpan, indent string) {
		a := attrs(s.Attributes())
		fmt.Fprintf(&b, "%s%s [%s]", indent, s.Name(), s.SpanKind())
		for _, k := range keys {
			if v, ok := a[k]; ok {
				fmt.Fprintf(&b, " %s=%s", k, v)
			}
		}
		b.WriteByte('\n')
	}
	for _, root := range spans {
		if root.Parent().IsValid() {
			continue
		}
		line(root, "")
		for _, s := range spans {
			if s.Parent().SpanID() == root.SpanContext().SpanID() {
				line(s, "  ")
			}
		}
	}
	return b.String()
}

// readmeSpans returns the span list in docs/reference.md's Observability section.
func readmeSpans(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../docs/reference.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "gives these spans")
	if i < 0 {
		t.Fatal("docs/reference.md has no span list")
	}
	s = s[i:]
	start := strings.Index(s, "```\n") + 4
	end := strings.Index(s[start:], "```")
	return s[start : start+end]
}

func TestRetriedCreateIsOneCallSpanWithTwoAttemptSpans(t *testing.T) {
	tel := setup(t)
	tel.srv.Inject(freddytest.Fault{Kind: freddytest.FaultServerError})
	cfg, err := tel.client.Configurations.Create(context.Background(), params(), freddy.WithIdempotencyKey("idem-otel"))
	if err != nil {
		t.Fatal(err)
	}
	spans := tel.spans.Ended()
	got := describe(spans, "http.request.method", "http.response.status_code", "http.request.resend_count", "error.type", "freddy.attempts")
	want := `freddy.configurations.create [internal] http.response.status_code=200 freddy.attempts=2
  POST /v1/personal-connectors/configurations [client] http.request.method=POST http.response.status_code=500 error.type=500
  POST /v1/personal-connectors/configurations [client] http.request.method=POST http.response.status_code=200 http.request.resend_count=1
`
	if got != want {
		t.Fatalf("spans:\n%s\nwant:\n%s", got, want)
	}
	if readme := readmeSpans(t); readme != got {
		t.Errorf("docs/reference.md's span list:\n%s\nthe test's:\n%s", readme, got)
	}
	call := spans[2]
	if call.Status().Code != codes.Unset {
		t.Errorf("call status %v", call.Status())
	}
	a := attrs(spans[1].Attributes())
	u := tel.srv.URL
	for k, v := range map[string]string{
		"url.full": u + "/v1/personal-connectors/configurations", "url.template": "/v1/personal-connectors/configurations",
		"server.address": "127.0.0.1", "server.port": u[strings.LastIndexByte(u, ':')+1:],
	} {
		if a[k] != v {
			t.Errorf("attempt span %s = %q, want %q", k, a[k], v)
		}
	}
	if attrs(call.Attributes())["freddy.idempotency_key"] != "idem-otel" {
		t.Errorf("call span attributes %v", call.Attributes())
	}
	// Each attempt carried its own span's W3C trace context.
	reqs := tel.srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, r := range reqs {
		sc := spans[i].SpanContext()
		want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
		if got := r.Header.Get("Traceparent"); got != want {
			t.Errorf("attempt %d traceparent %q, want %q", i, got, want)
		}
		if spans[i].Parent().SpanID() != call.SpanContext().SpanID() {
			t.Errorf("attempt %d is not a child of the call span", i)
		}
	}
	// The id never enters a span name.
	if _, err := tel.client.Configurations.Get(context.Background(), cfg.ID); err != nil {
		t.Fatal(err)
	}
	all := tel.spans.Ended()
	if n := all[len(all)-2].Name(); n != "GET /v1/personal-connectors/configurations/{id}" {
		t.Errorf("attempt span of Get is %q", n)
	}
	if n := all[len(all)-1].Name(); n != "freddy.configurations.get" {
		t.Errorf("call span of Get is %q", n)
	}
}

func TestRateLimitWaitIsAnEventWithItsDuration(t *testing.T) {
	tel := setup(t)
	tel.srv.Inject(freddytest.Fault{Kind: freddytest.FaultRateLimit, RetryAfter: time.Second})
	// The call may sleep the 1s the server asks for.
	_, err := tel.client.Configurations.Create(context.Background(), params(), freddy.WithMaxRetryWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	spans := tel.spans.Ended()
	call := spans[len(spans)-1]
	if len(call.Events()) != 1 {
		t.Fatalf("events %v", call.Events())
	}
	ev := call.Events()[0]
	a := attrs(ev.Attributes)
	if ev.Name != "freddy.retry" || a["freddy.retry.reason"] != "rate_limited" || a["http.response.status_code"] != "429" || a["freddy.retry.server_asked"] != "true" {
		t.Errorf("event %s %v", ev.Name, a)
	}
	var wait float64
	_, _ = fmt.Sscan(a["freddy.retry.wait"], &wait)
	// The 429 names its window's reset, 1 s after it was sent, and its
	// whole-second Retry-After rounds that reset up: the call waits for
	// the reset (ratelimit rule 8), never past the 1 s asked (plus 0.5ms
	// of jitter).
	if wait < 0.9 || wait >= 1.001 {
		t.Errorf("freddy.retry.wait = %v s, want the reset the 429 named, at most the 1s asked plus 0.5ms jitter", wait)
	}
	// freddy.waited is measured: at least the wait granted.
	var waited float64
	_, _ = fmt.Sscan(attrs(call.Attributes())["freddy.waited"], &waited)
	if waited < wait {
		t.Errorf("freddy.waited = %v s, want at least %v", waited, wait)
	}
}

// A call the caller cancels is not an error, with or without a cause
// (errgroup cancels with one): no span has an Error status, and neither a
// span nor the request metric has an error.type.
func TestCancelledCallIsNotAnErrorStatus(t *testing.T) {
	for name, cancelOf := range map[string]func(context.Context) (context.Context, func()){
		"cancel": func(ctx context.Context) (context.Context, func()) { return context.WithCancel(ctx) },
		"cancel with a cause": func(ctx context.Context) (context.Context, func()) {
			ctx, cancel := context.WithCancelCause(ctx)
			return ctx, func() { cancel(errors.New("a sibling failed")) }
		},
	} {
		t.Run(name, func(t *testing.T) {
			tel := setup(t)
			tel.srv.Inject(freddytest.Fault{Kind: freddytest.FaultStall})
			ctx, cancel := cancelOf(context.Background())
			defer cancel()
			// Cancel once the attempt is on its way: the middleware is the event.
			cancelling := func(r *http.Request, next freddy.MiddlewareNext) (*http.Response, error) {
				cancel()
				return next(r)
			}
			_, err := tel.client.Configurations.Create(ctx, params(), freddy.WithMiddleware(cancelling))
			if freddy.ErrorKind(err) != "canceled" {
				t.Fatalf("err = %v, kind %q", err, freddy.ErrorKind(err))
			}
			spans := tel.spans.Ended()
			if len(spans) != 2 {
				t.Fatalf("%d spans", len(spans))
			}
			for _, s := range spans {
				if s.Status().Code == codes.Error || attrs(s.Attributes())["error.type"] != "" {
					t.Errorf("span %s has status %v, attributes %v", s.Name(), s.Status(), s.Attributes())
				}
			}
			call := attrs(spans[len(spans)-1].Attributes())
			if call["freddy.error.kind"] != "canceled" {
				t.Errorf("call span attributes %v", call)
			}
			var rm metricdata.ResourceMetrics
			if err := tel.reader.Collect(context.Background(), &rm); err != nil {
				t.Fatal(err)
			}
			eachPoint(rm, func(m metricdata.Metrics, set attribute.Set, _ int64) {
				if v, ok := set.Value("error.type"); ok {
					t.Errorf("%s has error.type=%s", m.Name, v.String())
				}
			})
		})
	}
}

func TestFailedCallIsAnErrorWithItsKind(t *testing.T) {
	tel := setup(t, freddy.WithMaxRetries(0))
	tel.srv.Inject(freddytest.Fault{Kind: freddytest.FaultServerError})
	if _, err := tel.client.Configurations.Get(context.Background(), "pconf_missing"); err == nil {
		t.Fatal("no error")
	}
	spans := tel.spans.Ended()
	call := spans[len(spans)-1]
	if call.Status().Code != codes.Error || call.Status().Description != "server_error" || attrs(call.Attributes())["error.type"] != "server_error" {
		t.Errorf("call span status %v attributes %v", call.Status(), call.Attributes())
	}
}

// eachPoint calls f with every data point of every metric: a histogram's
// count, a sum's or a gauge's value.
func eachPoint(rm metricdata.ResourceMetrics, f func(m metricdata.Metrics, attrs attribute.Set, value int64)) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					f(m, p.Attributes, int64(p.Count))
				}
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					f(m, p.Attributes, p.Value)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					f(m, p.Attributes, p.Value)
				}
			}
		}
	}
}

// sumCounts adds up the data points of one metric, in all and by
// attributes.
func sumCounts(rm metricdata.ResourceMetrics, name string) (total int64, byAttr map[string]int64) {
	byAttr = map[string]int64{}
	eachPoint(rm, func(m metricdata.Metrics, attrs attribute.Set, v int64) {
		if m.Name == name {
			total += v
			byAttr[attrs.Encoded(attribute.DefaultEncoder())] += v
		}
	})
	return total, byAttr
}

func TestMetricsMatchTheServersRequestLog(t *testing.T) {
	tel := setup(t)
	ctx := context.Background()
	tel.srv.Inject(freddytest.Fault{Kind: freddytest.FaultServerError}, freddytest.Fault{Kind: freddytest.FaultDrop})
	cfg, err := tel.client.Configurations.Create(ctx, params())
	if err != nil {
		t.Fatal(err)
	}
	tel.srv.Inject(freddytest.Fault{Kind: freddytest.FaultRateLimit})
	if _, err := tel.client.Configurations.Get(ctx, cfg.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tel.client.Configurations.List(ctx, freddy.ListConfigurationsParams{}); err != nil {
		t.Fatal(err)
	}
	calls := 3
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	requests := int64(len(tel.srv.Requests()))
	if n, _ := sumCounts(rm, "http.client.request.duration"); n != requests {
		t.Errorf("http.client.request.duration counted %d attempts, the server logged %d requests", n, requests)
	}
	if n, _ := sumCounts(rm, "freddy.client.operation.duration"); n != int64(calls) {
		t.Errorf("freddy.client.operation.duration counted %d calls, want %d", n, calls)
	}
	n, by := sumCounts(rm, "freddy.client.retries")
	if n != requests-int64(calls) {
		t.Errorf("freddy.client.retries = %d, want %d", n, requests-int64(calls))
	}
	want := map[string]int64{
		"freddy.operation=Create,freddy.retry.reason=server_error": 1,
		"freddy.operation=Create,freddy.retry.reason=transport":    1,
		"freddy.operation=Get,freddy.retry.reason=rate_limited":    1,
	}
	if fmt.Sprint(by) != fmt.Sprint(want) {
		t.Errorf("retries by reason %v, want %v", by, want)
	}
	if _, by := sumCounts(rm, "freddy.client.rate_limit.remaining"); len(by) != 1 {
		t.Errorf("rate-limit gauge %v", by)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == "http.client.request.duration" {
				if fmt.Sprint(h.DataPoints[0].Bounds) != fmt.Sprint(otelfreddy.HTTPDurationBuckets) || m.Unit != "s" {
					t.Errorf("buckets %v unit %q", h.DataPoints[0].Bounds, m.Unit)
				}
			}
		}
	}
}

// TestNoSecretInTelemetry runs calls that make the server see, and echo,
// the API key and a credential, then checks every 8-byte window of both
// against every span name, attribute, event, status and metric attribute.
func TestNoSecretInTelemetry(t *testing.T) {
	tel := setup(t)
	ctx := context.Background()
	tel.srv.Inject(freddytest.Fault{Kind: freddytest.FaultServerError}, freddytest.Fault{Kind: freddytest.FaultRateLimit})
	cfg, err := tel.client.Configurations.Create(ctx, params())
	if err != nil {
		t.Fatal(err)
	}
	tel.srv.Inject(freddytest.Fault{Kind: freddytest.FaultTruncate})
	_, _ = tel.client.Configurations.Update(ctx, cfg.ID, freddy.UpdateConfigurationParams{Credentials: freddy.BearerCredentials("ghp_INVALID_" + token)})
	_, _ = tel.client.Configurations.Test(ctx, cfg.ID)
	_, _ = tel.client.Configurations.Get(ctx, cfg.ID, freddy.WithAPIKey("fk_wrong_OTELKEY_zyxwvut"))
	_ = tel.client.Configurations.Delete(ctx, cfg.ID)

	var texts []string
	add := func(kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			texts = append(texts, string(kv.Key)+"="+kv.Value.String())
		}
	}
	for _, s := range tel.spans.Ended() {
		texts = append(texts, s.Name(), s.Status().Description)
		add(s.Attributes())
		for _, e := range s.Events() {
			texts = append(texts, e.Name)
			add(e.Attributes)
		}
		for _, l := range s.Links() {
			add(l.Attributes)
		}
		add(s.Resource().Attributes())
	}
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	eachPoint(rm, func(m metricdata.Metrics, attrs attribute.Set, _ int64) {
		texts = append(texts, m.Name, m.Description, m.Unit)
		add(attrs.ToSlice())
	})
	if len(texts) < 50 {
		t.Fatalf("only %d texts recorded", len(texts))
	}
	all := strings.ToLower(strings.Join(texts, "\n"))
	for _, secret := range []string{tel.srv.APIKey, token, "fk_wrong_OTELKEY_zyxwvut"} {
		for i := 0; i+8 <= len(secret); i++ {
			if w := strings.ToLower(secret[i : i+8]); strings.Contains(all, w) {
				t.Errorf("telemetry holds %q, part of a secret", w)
			}
		}
	}
}

func TestSpanName(t *testing.T) {
	for op, want := range map[string]string{"Create": "freddy.configurations.create", "SetEnabled": "freddy.configurations.set_enabled", "List": "freddy.configurations.list"} {
		if got := otelfreddy.SpanName(op); got != want {
			t.Errorf("SpanName(%q) = %q, want %q", op, got, want)
		}
	}
}

func TestWithoutOptionsTheGlobalProvidersAreUsed(t *testing.T) {
	spans := globalSpans(t)

	srv := freddytest.Start(t)
	c, err := srv.Client(otelfreddy.WithTelemetry())
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	if _, err := c.Configurations.List(context.Background(), freddy.ListConfigurationsParams{}); err != nil {
		t.Fatal(err)
	}
	if got := describe(spans.Ended()); got != "freddy.configurations.list [internal]\n  GET /v1/personal-connectors/configurations [client]\n" {
		t.Errorf("spans:\n%s", got)
	}
}
