// Package httpx builds the HTTP layer under the retry loop: the pooled
// transport, the per-attempt timeout, the redirect policy that keeps the API
// key on its host, and bounded body reads.
package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/aitronos/freddy-go/internal/errtext"
	"github.com/aitronos/freddy-go/internal/retry"
)

// Config is what NewClient needs from the SDK's options.
type Config struct {
	// Base is the API's base URL; the key is never sent to another host.
	Base *url.URL
	// HTTPClient is the caller's client, copied and never modified; nil
	// builds the default pooled transport.
	HTTPClient *http.Client
	// Timeout bounds each attempt, from sending to reading the whole body.
	Timeout time.Duration
	// MaxConnsPerHost sizes the default transport's pool.
	MaxConnsPerHost int
	// TLSConfig is used by the default transport; nil is the system's. With
	// HTTPClient, its RootCAs go to a clone of that client's *http.Transport
	// (TrustRoots); the SDK refuses any other transport before this.
	TLSConfig *tls.Config
	// NoColdGate leaves a cold burst to net/http, every attempt dialing
	// its own connection (coldgate.go): the measurements' "before".
	NoColdGate bool
}

// NewClient returns the *http.Client the retry layer uses and the real
// transport behind it, for CloseIdleConnections.
//
// The client is a copy of cfg.HTTPClient with the SDK's redirect policy. Its
// transport is wrapped (see attempt; over https an *http.Transport also sits
// behind a coldGate) and its Timeout is zero: a Timeout on
// http.Client with a transport it does not recognise costs a goroutine and a
// dozen allocations per request, so the wrapper applies the per-attempt
// timeout itself.
func NewClient(cfg Config) (*http.Client, http.RoundTripper) {
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	rt := hc.Transport
	if rt == nil && cfg.HTTPClient != nil {
		rt = defaultTransport()
	}
	if t, ok := rt.(*http.Transport); ok && cfg.TLSConfig != nil {
		rt = TrustRoots(t, cfg.TLSConfig)
	}
	if rt == nil {
		t := cleanhttp.DefaultPooledTransport()
		// cleanhttp keeps GOMAXPROCS+1 idle connections per host: with more
		// concurrent callers than that, every call beyond it would dial a new
		// connection and close it afterwards (thousands of connections for
		// 64×100 creates, against 64 with these settings). The cap keeps
		// goroutines that finish while others still dial from overshooting.
		t.MaxIdleConns = cfg.MaxConnsPerHost
		t.MaxIdleConnsPerHost = cfg.MaxConnsPerHost
		t.MaxConnsPerHost = cfg.MaxConnsPerHost
		t.TLSClientConfig = cfg.TLSConfig
		rt = t
	}
	gated := rt
	if cfg.Base.Scheme == "https" && !cfg.NoColdGate {
		gated = newColdGate(rt, cfg.Base.Host)
	}
	hc.Transport = attempt{rt: gated, timeout: cfg.Timeout}
	hc.Timeout = 0
	hc.CheckRedirect = redirectPolicy(cfg.Base, hc.CheckRedirect)
	return &hc, rt
}

// attempt runs one attempt under the per-attempt timeout. It also hides the
// transport's CloseIdleConnections from http.Client: retryablehttp calls it
// every time any call gives up, which would empty the pool shared by every
// other goroutine.
type attempt struct {
	rt      http.RoundTripper
	timeout time.Duration
}

// Attempt is the state one attempt shares across its redirect hops: the
// deadline set when the attempt started. Mark a request's context with
// WithAttempt so that its redirects cannot each restart the timeout.
type Attempt struct {
	// Timeout, when positive, replaces the transport's per-attempt timeout
	// for the call that owns this Attempt.
	Timeout  time.Duration
	deadline time.Time
	timeout  time.Duration
}

type attemptKey struct{}

// WithAttempt returns ctx marked with a. One Attempt may serve a call's
// successive attempts: each starts when a request without a redirect
// response (Request.Response == nil) goes out.
func WithAttempt(ctx context.Context, a *Attempt) context.Context {
	return context.WithValue(ctx, attemptKey{}, a)
}

// RoundTrip sends r under the per-attempt deadline: timeout from the start
// of the attempt, however many redirects it follows.
func (a attempt) RoundTrip(r *http.Request) (*http.Response, error) {
	parent := r.Context()
	deadline := time.Now().Add(a.timeout)
	if at, ok := parent.Value(attemptKey{}).(*Attempt); ok {
		if at.Timeout > 0 {
			// a is this RoundTrip's copy: the body and the error see it too.
			a.timeout = at.Timeout
			deadline = time.Now().Add(a.timeout)
		}
		if r.Response == nil || at.deadline.IsZero() {
			at.deadline, at.timeout = deadline, a.timeout
		} else {
			deadline = at.deadline
		}
	}
	ctx, cancel := context.WithDeadline(parent, deadline)
	r = r.WithContext(ctx)
	if r.Body != nil && r.Body != http.NoBody {
		// Without GetBody net/http cannot resend the body by itself. It
		// would otherwise resend a request carrying Idempotency-Key when a
		// reused connection dies before the response: a second delivery
		// the retry layer never counts, logs or charges to the budget. The
		// failure comes back to the retry layer instead, which does all
		// three. http.Client keeps the original GetBody for redirects.
		r.GetBody = nil
	}
	resp, err := a.rt.RoundTrip(r)
	if resp == nil && err == nil {
		err = nilResponse(a.rt)
	}
	if err != nil {
		cancel()
		return nil, a.timedOut(parent, ctx, err)
	}
	if resp.Body == nil {
		// RoundTrippers may mean "empty" by a nil Body (golang.org/issue/38095).
		resp.Body = http.NoBody
	}
	// The deadline also covers reading the body; closing it ends the attempt.
	resp.Body = &attemptBody{rc: resp.Body, a: a, parent: parent, ctx: ctx, cancel: cancel}
	return resp, nil
}

// timedOut replaces the error of an attempt that ran out of time (and only
// that: the caller's own deadline stays the caller's) with a TimeoutError.
func (a attempt) timedOut(parent, ctx context.Context, err error) error {
	if parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &TimeoutError{After: a.timeout, Err: err}
	}
	return err
}

// defaultTransport is what net/http would use for a nil Transport, cloned:
// sharing http.DefaultTransport would let CloseIdleConnections empty the
// process-wide pool.
func defaultTransport() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return http.DefaultTransport
}

// nilResponse is the error for a RoundTripper that breaks its contract by
// returning neither a response nor an error, worded as net/http words it.
func nilResponse(rt http.RoundTripper) error {
	return fmt.Errorf("http: RoundTripper implementation (%T) returned a nil *Response with a nil error", rt)
}

type attemptBody struct {
	rc     io.ReadCloser
	a      attempt
	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc
}

func (b *attemptBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		err = b.a.timedOut(b.parent, b.ctx, err)
	}
	return n, err
}

func (b *attemptBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

// TimeoutError is an attempt that exceeded WithTimeout. It is retried while
// the caller's context allows. It does not unwrap: the transport's error
// under it is a context.DeadlineExceeded of the SDK's own making, which
// errors.Is must not confuse with the caller's deadline.
type TimeoutError struct {
	After time.Duration
	// Err is the transport's error, for debugging.
	Err error
}

// Error names the timeout and the option that sets it.
func (e *TimeoutError) Error() string {
	return "attempt timed out after " + e.After.String() + " (WithTimeout)"
}

// Timeout reports true, for net.Error-style checks.
func (e *TimeoutError) Timeout() bool { return true }

// Temporary reports true: another attempt may succeed. With Timeout it makes
// a TimeoutError a net.Error.
func (e *TimeoutError) Temporary() bool { return true }

// MaxRedirects bounds the redirects one attempt follows, whatever the
// caller's CheckRedirect says: a policy that allows every redirect must not
// make a call endless.
const MaxRedirects = 10

// redirectPolicy refuses redirects to another scheme or host (net/http would
// copy the X-API-Key header to them) and stops after MaxRedirects. Other
// same-host redirects go on to next, the caller's own policy, which may
// refuse more. Every refusal is permanent: a retry would meet the same
// redirect. http.ErrUseLastResponse passes unchanged, because net/http
// compares it by identity.
func redirectPolicy(base *url.URL, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != base.Scheme || !strings.EqualFold(req.URL.Host, base.Host) {
			// The host comes from the server's Location, unescaped.
			target := errtext.OneLine(req.URL.Scheme + "://" + req.URL.Host + req.URL.EscapedPath())
			return &retry.Permanent{Err: errors.New("refused to follow a redirect to " + target +
				": the API key is only sent to " + base.Host)}
		}
		if err := methodChanged(req, via); err != nil {
			return err
		}
		if len(via) >= MaxRedirects {
			return &retry.Permanent{Err: errors.New("stopped after 10 redirects")}
		}
		if next == nil {
			return nil
		}
		err := next(req, via)
		switch {
		case err == http.ErrUseLastResponse:
			return err
		case err != nil:
			return &retry.Permanent{Err: err}
		}
		// The caller's policy runs between hops, outside any RoundTrip: an
		// attempt whose time ran out while it ran ends here.
		if at, ok := req.Context().Value(attemptKey{}).(*Attempt); ok && !at.deadline.IsZero() && !time.Now().Before(at.deadline) {
			return &TimeoutError{After: at.timeout}
		}
		return nil
	}
}

// methodChanged refuses a redirect that net/http would follow with another
// method than the call's (a 301, 302 or 303 answering a POST, PATCH or
// DELETE becomes a GET without the body): the GET's answer would pass for
// the write's. The write itself was sent, so the call's outcome is unknown
// (ErrOutcomeUnknown), which the text must not contradict. The error names the status and the location's path, never
// its query.
func methodChanged(req *http.Request, via []*http.Request) error {
	if len(via) == 0 || req.Method == via[0].Method {
		return nil
	}
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	return &retry.Permanent{Err: fmt.Errorf("refused to follow a %d redirect to %s: it would turn the %s into a %s without its body; the %s was sent and the server may have acted on it",
		status, req.URL.EscapedPath(), via[0].Method, req.Method, via[0].Method)}
}
