// Package otelfreddy traces and measures freddy-go calls with
// OpenTelemetry. It is a module of its own so that the SDK itself keeps no
// dependency on OpenTelemetry. One option turns it on:
//
//	client, err := freddy.NewClient(otelfreddy.WithTelemetry(
//		otelfreddy.WithTracerProvider(tp), otelfreddy.WithMeterProvider(mp)))
//
// Spans. Each call is one span of kind INTERNAL named after the operation,
// freddy.configurations.create, .get, .list, .update, .set_enabled, .test or
// .delete: it covers the retries and waits, ends with the call, and records
// freddy.attempts, the final http.response.status_code, the waits
// (a freddy.retry event per retry with its reason and wait in seconds), the
// rate limit the last response reported, and on failure error.type (the
// freddy.ErrorKind) with an Error status. A call the caller cancelled is not
// an error, whether or not the cancellation has a cause
// (context.WithCancelCause, as errgroup cancels): its spans' status stays
// Unset, no span or metric gets an error.type for it, and freddy.error.kind
// says "canceled".
// Under it, each request is a span of kind CLIENT named by the HTTP semantic
// conventions, "{method} {route}" with the route template (POST
// /v1/personal-connectors/configurations, GET
// /v1/personal-connectors/configurations/{id}, never the id itself), with
// http.request.method, server.address, server.port, url.full, url.template,
// http.response.status_code, error.type, and http.request.resend_count from
// the second request on. Each attempt is a request, and so is each redirect
// net/http follows within one (a 307 or 308): a hop's span is named by its
// method alone and has no url.template (its path is the server's choice),
// and its resend_count counts it, as the conventions count redirects. The
// request span ends when the response header arrives. W3C trace context
// (traceparent) is injected into every request, each with its own span's.
//
// Metrics: http.client.request.duration (s, per request, the semantic
// conventions' buckets), freddy.client.operation.duration (s, per call),
// freddy.client.retries (per retry sent, by freddy.retry.reason) and
// freddy.client.rate_limit.remaining (a gauge, from each call's last
// response).
//
// Nothing recorded holds the API key or a credential value: attributes are
// built from the request's method, URL (the SDK puts no secret in it) and
// status, and from the SDK's error kinds, never from error text or headers.
package otelfreddy

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/aitronos/freddy-go"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/aitronos/freddy-go/otelfreddy"

// Option configures WithTelemetry.
type Option func(*config)

type config struct {
	tp   trace.TracerProvider
	mp   metric.MeterProvider
	prop propagation.TextMapPropagator
}

// WithTracerProvider sets the TracerProvider; the default, and what a nil tp
// leaves, is the global one.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithMeterProvider sets the MeterProvider; the default, and what a nil mp
// leaves, is the global one.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithPropagator sets what is injected into each attempt's header; the
// default is W3C trace context (propagation.TraceContext), whatever the
// global propagator. A nil p leaves the default.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) { c.prop = p }
}

// HTTPDurationBuckets are the bucket boundaries of
// http.client.request.duration, in seconds, from the HTTP semantic
// conventions.
var HTTPDurationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// WithTelemetry returns the freddy.Option that traces and measures every
// call of a Client (a freddy.Observer). Nil options are ignored. It panics
// never; an instrument the MeterProvider cannot create is replaced by a
// no-op one, and the error goes to otel.Handle.
func WithTelemetry(opts ...Option) freddy.Option {
	cfg := config{prop: propagation.TraceContext{}}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.tp == nil {
		cfg.tp = otel.GetTracerProvider()
	}
	if cfg.mp == nil {
		cfg.mp = otel.GetMeterProvider()
	}
	if cfg.prop == nil {
		cfg.prop = propagation.TraceContext{}
	}
	return freddy.WithObserver(newObserver(cfg))
}

type observer struct {
	tracer     trace.Tracer
	prop       propagation.TextMapPropagator
	attemptDur metric.Float64Histogram
	callDur    metric.Float64Histogram
	retries    metric.Int64Counter
	remaining  metric.Int64Gauge
}

func newObserver(cfg config) *observer {
	m := cfg.mp.Meter(ScopeName)
	o := &observer{tracer: cfg.tp.Tracer(ScopeName), prop: cfg.prop}
	var err error
	o.attemptDur, err = m.Float64Histogram("http.client.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of HTTP client requests."), metric.WithExplicitBucketBoundaries(HTTPDurationBuckets...))
	handle(err)
	o.callDur, err = m.Float64Histogram("freddy.client.operation.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of freddy-go calls, retries and waits included."), metric.WithExplicitBucketBoundaries(HTTPDurationBuckets...))
	handle(err)
	o.retries, err = m.Int64Counter("freddy.client.retries", metric.WithUnit("{retry}"),
		metric.WithDescription("Retries freddy-go sent, by reason."))
	handle(err)
	o.remaining, err = m.Int64Gauge("freddy.client.rate_limit.remaining", metric.WithUnit("{request}"),
		metric.WithDescription("Requests left in the rate-limit window, as the last response reported."))
	handle(err)
	return o
}

// handle reports an instrument that could not be created; the instrument
// returned with the error is a working no-op.
func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}

// ObserveCall starts the call span.
func (o *observer) ObserveCall(ctx context.Context, info freddy.CallInfo) (context.Context, freddy.CallObserver) {
	attrs := []attribute.KeyValue{attribute.String("freddy.operation", info.Operation)}
	if info.ConfigurationID != "" {
		attrs = append(attrs, attribute.String("freddy.configuration.id", info.ConfigurationID))
	}
	if info.IdempotencyKey != "" {
		attrs = append(attrs, attribute.String("freddy.idempotency_key", info.IdempotencyKey))
	}
	ctx, span := o.tracer.Start(ctx, SpanName(info.Operation), trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	return ctx, &call{o: o, ctx: ctx, span: span, info: info, start: time.Now()}
}

// SpanName is the call span's name for an operation: "Create" gives
// "freddy.configurations.create", "SetEnabled"
// "freddy.configurations.set_enabled".
func SpanName(operation string) string {
	var b strings.Builder
	b.WriteString("freddy.configurations.")
	for i, r := range operation {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// call is one observed call.
type call struct {
	o     *observer
	ctx   context.Context
	span  trace.Span
	info  freddy.CallInfo
	start time.Time

	// mu guards what follows: an attempt a middleware abandoned (it ran
	// next in a goroutine of its own) may still reach Attempt while the
	// next one runs.
	mu sync.Mutex
	// server is the address attributes of the last request, for the gauge.
	server []attribute.KeyValue
	// retryReason is the reason of a granted retry not yet sent: it is
	// counted when its attempt starts, so a retry the context cancels in
	// its wait is not.
	retryReason string
	// sent counts the requests started, redirect hops included: the
	// http.request.resend_count of the next one.
	sent int
	// lastAttempt is the AttemptFromContext index of the last request; a
	// request with the same index is a redirect hop of that attempt.
	lastAttempt int
}

// Attempt runs one request of the call, an attempt or a redirect hop
// within one, in a CLIENT span and records its duration.
func (c *call) Attempt(req *http.Request, next freddy.MiddlewareNext) (*http.Response, error) {
	host, port := hostPort(req.URL)
	common := []attribute.KeyValue{
		attribute.String("http.request.method", req.Method),
		attribute.String("server.address", host),
		attribute.Int("server.port", port),
	}
	resends, hop := c.request(req, common[1:3])
	name := req.Method
	if !hop {
		// A hop's path is the server's choice, not the route: the
		// conventions then name the span by its method alone.
		common = append(common, attribute.String("url.template", c.info.Route))
		name += " " + c.info.Route
	}
	attrs := append(common[:len(common):len(common)], attribute.String("url.full", fullURL(req.URL)))
	if resends > 0 {
		attrs = append(attrs, attribute.Int("http.request.resend_count", resends))
	}
	ctx, span := c.o.tracer.Start(req.Context(), name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	req = req.WithContext(ctx)
	// The header is this request's own copy (the SDK gives each request a
	// fresh one, each redirect hop too), so the injection never reaches
	// another request.
	c.o.prop.Inject(ctx, propagation.HeaderCarrier(req.Header))
	start := time.Now()
	resp, err := next(req)
	elapsed := time.Since(start)
	var result []attribute.KeyValue
	switch {
	case err != nil && cancelled(ctx, err):
		// The caller's choice, not a failure of the request.
	case err != nil:
		kind := attemptErrorType(err)
		result = append(result, attribute.String("error.type", kind))
		span.SetStatus(codes.Error, kind)
	default:
		result = append(result, attribute.Int("http.response.status_code", resp.StatusCode))
		if resp.StatusCode >= 400 {
			result = append(result, attribute.String("error.type", strconv.Itoa(resp.StatusCode)))
			span.SetStatus(codes.Error, "")
		}
	}
	span.SetAttributes(result...)
	span.End()
	c.o.attemptDur.Record(ctx, elapsed.Seconds(), metric.WithAttributes(append(common, result...)...))
	return resp, err
}

// request counts a request of the call as it starts: the retry it sends,
// if it is one (counted only now, so a retry the context cancels in its
// wait is not), the requests sent before it, and whether it is a redirect
// hop of the attempt before it.
func (c *call) request(req *http.Request, server []attribute.KeyValue) (resends int, hop bool) {
	ai, _ := freddy.AttemptFromContext(req.Context())
	c.mu.Lock()
	reason := c.retryReason
	c.retryReason = ""
	resends, c.sent = c.sent, c.sent+1
	hop = resends > 0 && ai.Index == c.lastAttempt
	c.lastAttempt = ai.Index
	c.server = server
	c.mu.Unlock()
	if reason != "" {
		c.o.retries.Add(c.ctx, 1, metric.WithAttributes(attribute.String("freddy.operation", c.info.Operation), attribute.String("freddy.retry.reason", reason)))
	}
	return resends, hop
}

// cancelled reports whether a request failed because the caller cancelled
// its context: the SDK's own rule (ErrorKind "canceled"), whatever the
// error says. A context cancelled with a cause (context.WithCancelCause,
// as errgroup does) fails the request with that cause, which is not
// context.Canceled, while the context's Err still is.
func cancelled(ctx context.Context, err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled)
}

// attemptErrorType names a failed attempt without its error text, which
// may quote a server that echoed a secret: a timeout, or the error's type.
func attemptErrorType(err error) string {
	var timeout interface{ Timeout() bool }
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	case errors.As(err, &timeout) && timeout.Timeout():
		return "timeout"
	}
	return "transport"
}

// Retry records a granted retry as an event on the call span; the counter
// counts it when it is sent (Attempt).
func (c *call) Retry(ri freddy.RetryInfo) {
	attrs := []attribute.KeyValue{
		attribute.String("freddy.retry.reason", ri.Reason),
		attribute.Int("freddy.retry.attempt", ri.Attempt),
		attribute.Float64("freddy.retry.wait", ri.Wait.Seconds()),
		attribute.Bool("freddy.retry.server_asked", ri.ServerAsked),
	}
	if ri.StatusCode != 0 {
		attrs = append(attrs, attribute.Int("http.response.status_code", ri.StatusCode))
	}
	c.span.AddEvent("freddy.retry", trace.WithAttributes(attrs...))
	c.mu.Lock()
	c.retryReason = ri.Reason
	c.mu.Unlock()
}

// End closes the call span and records the call.
func (c *call) End(res freddy.CallResult) {
	attrs := []attribute.KeyValue{
		attribute.Int("freddy.attempts", res.Attempts),
		attribute.Float64("freddy.waited", res.Waited.Seconds()),
	}
	if res.StatusCode != 0 {
		attrs = append(attrs, attribute.Int("http.response.status_code", res.StatusCode))
	}
	if res.RateLimit.Limit > 0 {
		attrs = append(attrs, attribute.Int("freddy.rate_limit.limit", res.RateLimit.Limit),
			attribute.Int("freddy.rate_limit.remaining", res.RateLimit.Remaining))
		c.mu.Lock()
		server := c.server
		c.mu.Unlock()
		c.o.remaining.Record(c.ctx, int64(res.RateLimit.Remaining), metric.WithAttributes(server...))
	}
	metricAttrs := []attribute.KeyValue{attribute.String("freddy.operation", c.info.Operation)}
	if res.ErrorKind != "" {
		attrs = append(attrs, attribute.String("freddy.error.kind", res.ErrorKind))
		if res.ErrorKind != "canceled" {
			attrs = append(attrs, attribute.String("error.type", res.ErrorKind))
			metricAttrs = append(metricAttrs, attribute.String("error.type", res.ErrorKind))
			c.span.SetStatus(codes.Error, res.ErrorKind)
		}
	}
	c.span.SetAttributes(attrs...)
	c.span.End()
	c.o.callDur.Record(c.ctx, time.Since(c.start).Seconds(), metric.WithAttributes(metricAttrs...))
}

// hostPort returns server.address and server.port, the port defaulted from
// the scheme.
func hostPort(u *url.URL) (string, int) {
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		port = 443
		if u.Scheme == "http" {
			port = 80
		}
	}
	return u.Hostname(), port
}

// fullURL is url.full without user info, which would be a credential (the
// SDK refuses it in the base URL anyway).
func fullURL(u *url.URL) string {
	if u.User == nil {
		return u.String()
	}
	cp := *u
	cp.User = nil
	return cp.String()
}
