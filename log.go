package freddy

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aitronos/freddy-go/internal/retry"
)

// logAttempt records one attempt. err is already scrubbed: API errors are
// built from scrubbed text and transport errors pass through scrubbed.
func (cl *call) logAttempt(ctx context.Context, err error) {
	if !cl.logging(ctx) {
		return
	}
	attrs := []slog.Attr{slog.String("method", cl.op.method), slog.String("path", cl.scrubber().String(cl.op.path(configurationsPath, false))), slog.Int("status", cl.status)}
	traceID := ""
	if cl.header != nil {
		traceID = headerValue(cl.header, "X-Request-Id")
	}
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.TraceID != "" {
			traceID = apiErr.TraceID
		}
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	if traceID != "" {
		attrs = append(attrs, slog.String("trace_id", cl.scrubber().String(traceID)))
	}
	cl.log(ctx, "freddy: attempt", attrs...)
}

// logDecision records what the policy decided after a failed attempt.
func (cl *call) logDecision(ctx context.Context, d retry.Decision) {
	if !cl.logging(ctx) {
		return
	}
	cl.log(ctx, "freddy: retry decision", slog.Bool("retry", d.Retry), slog.Duration("wait", d.Wait), slog.String("reason", d.Reason))
}

func (cl *call) logging(ctx context.Context) bool {
	l := cl.core.logger
	return l != nil && l.Enabled(ctx, slog.LevelDebug)
}

// logAccount records a change of the Client's trust in its
// RateLimitAccount: the one record the SDK writes outside a call's debug
// records, at Warn when trust is lost and Info when it is back, because a
// fleet falling back to its own pacing is an operator's concern.
func logAccount(ctx context.Context, l *slog.Logger, e RateLimitAccountEvent) {
	if l == nil {
		return
	}
	if e.Trusted {
		l.LogAttrs(ctx, slog.LevelInfo, "freddy: rate-limit account answers again; pacing by the shared account")
		return
	}
	l.LogAttrs(ctx, slog.LevelWarn, "freddy: rate-limit account not trusted; pacing by the Client's own view", slog.String("error", e.Err.Error()))
}

// log writes one debug record headed by the operation, the configuration it
// acts on (as the call's error names them, so a record and the final error
// can be matched up), the attempt number and, for Create, the idempotency
// key. It is the only place the SDK writes log records. The id and key are
// the caller's and may hold a secret: they are logged scrubbed, as the
// error shows them.
func (cl *call) log(ctx context.Context, msg string, attrs ...slog.Attr) {
	if !cl.logging(ctx) {
		return
	}
	head := []slog.Attr{slog.String("operation", cl.op.name)}
	if cl.op.id != "" {
		head = append(head, slog.String("configuration_id", cl.scrubber().String(cl.op.id)))
	}
	head = append(head, slog.Int("attempt", cl.tries))
	if cl.op.idemKey != "" {
		head = append(head, slog.String("idempotency_key", cl.scrubber().String(cl.op.idemKey)))
	}
	cl.core.logger.LogAttrs(ctx, slog.LevelDebug, msg, append(head, attrs...)...)
}
