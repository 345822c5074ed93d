package otelfreddy_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
	"github.com/aitronos/freddy-go/otelfreddy"
)

// redirectingProxy serves freddytest's API through a proxy that answers
// the first request with a 307 to the same path on the same host, and
// records the traceparent of every request it receives.
type redirectingProxy struct {
	*httptest.Server
	mu           sync.Mutex
	traceparents []string
}

func newRedirectingProxy(t *testing.T, target string) *redirectingProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &redirectingProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.traceparents = append(p.traceparents, r.Header.Get("Traceparent"))
		first := len(p.traceparents) == 1
		p.mu.Unlock()
		if first {
			// A hostile Location, echoing the key it was sent.
			http.Redirect(w, r, r.URL.Path+"?moved="+url.QueryEscape(r.Header.Get("X-Api-Key")), http.StatusTemporaryRedirect)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// A 307 followed by net/http is a CLIENT span per physical request, each
// with its own traceparent and http.request.resend_count counting the
// redirect as the conventions count it; a retry after it counts on. The
// request metric counts every physical request.
func TestRedirectIsOneSpanPerRequest(t *testing.T) {
	srv := freddytest.Start(t)
	proxy := newRedirectingProxy(t, srv.URL)
	spans, reader := tracetest.NewSpanRecorder(), sdkmetric.NewManualReader()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	client, err := freddy.NewClient(freddy.WithBaseURL(proxy.URL), freddy.WithAPIKey(srv.APIKey), freddy.WithInsecureHTTP("127.0.0.1"),
		otelfreddy.WithTelemetry(otelfreddy.WithTracerProvider(tp), otelfreddy.WithMeterProvider(mp)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.CloseIdleConnections)
	// The redirected request meets a 500; its retry goes through.
	srv.Inject(freddytest.Fault{Kind: freddytest.FaultServerError})
	if _, err := client.Configurations.List(context.Background(), freddy.ListConfigurationsParams{}); err != nil {
		t.Fatal(err)
	}

	ended := spans.Ended()
	got := describe(ended, "http.response.status_code", "http.request.resend_count", "url.template", "freddy.attempts")
	want := `freddy.configurations.list [internal] http.response.status_code=200 freddy.attempts=2
  GET /v1/personal-connectors/configurations [client] http.response.status_code=307 url.template=/v1/personal-connectors/configurations
  GET [client] http.response.status_code=500 http.request.resend_count=1
  GET /v1/personal-connectors/configurations [client] http.response.status_code=200 http.request.resend_count=2 url.template=/v1/personal-connectors/configurations
`
	if got != want {
		t.Fatalf("spans:\n%s\nwant:\n%s", got, want)
	}
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	if len(proxy.traceparents) != 3 {
		t.Fatalf("%d requests reached the server", len(proxy.traceparents))
	}
	for i, tp := range proxy.traceparents {
		sc := ended[i].SpanContext()
		if want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"; tp != want {
			t.Errorf("request %d carried traceparent %q, want its own span's %q", i, tp, want)
		}
	}
	if a := attrs(ended[1].Attributes()); a["url.full"] != proxy.URL+"/v1/personal-connectors/configurations?moved=***REDACTED***" {
		t.Errorf("the hop's url.full = %q, want its Location without the key it echoes", a["url.full"])
	}
	var texts []string
	for _, s := range ended {
		texts = append(texts, s.Name())
		for _, kv := range s.Attributes() {
			texts = append(texts, kv.Value.String())
		}
	}
	all := strings.ToLower(strings.Join(texts, "\n"))
	for i := 0; i+8 <= len(srv.APIKey); i++ {
		if w := strings.ToLower(srv.APIKey[i : i+8]); strings.Contains(all, w) {
			t.Errorf("a span holds %q, part of the API key", w)
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if n, _ := sumCounts(rm, "http.client.request.duration"); n != 3 {
		t.Errorf("http.client.request.duration counted %d requests, want 3", n)
	}
	if n, _ := sumCounts(rm, "freddy.client.retries"); n != 1 {
		t.Errorf("freddy.client.retries = %d, want 1: a redirect is not a retry", n)
	}
}

// An attempt a middleware abandons (it runs next in a goroutine and gives
// up on it) may reach the Observer while the retry runs: the call's
// telemetry state is shared by both, safely (run under -race).
func TestAbandonedAttemptRacesNothing(t *testing.T) {
	tel := setup(t)
	done := make(chan struct{})
	var runs atomic.Int32
	abandon := func(r *http.Request, next freddy.MiddlewareNext) (*http.Response, error) {
		if runs.Add(1) > 1 {
			return next(r)
		}
		go func() {
			defer close(done)
			if resp, err := next(r); err == nil {
				_ = resp.Body.Close()
			}
		}()
		return nil, errors.New("gave up on the attempt")
	}
	if _, err := tel.client.Configurations.List(context.Background(), freddy.ListConfigurationsParams{}, freddy.WithMiddleware(abandon)); err != nil {
		t.Fatal(err)
	}
	<-done
}
