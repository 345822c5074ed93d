package freddy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The fifth outside probe's leaks: values the caller gave (an option after
// a refused one, an id, an idempotency key, a Limiter's error) that hold
// the API key or a credential, shown nowhere outside the request sent.

// debugLogger is a Client's debug logger writing to buf.
func debugLogger(buf *bytes.Buffer) Option {
	return WithLogger(slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
}

// F1: a refusal is scrubbed of the call's own key whatever the order of
// its options: the key given after the refused header as before it.
func TestRefusalScrubbedWhateverTheOptionOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 51))
	srv := echoServer(t, func(http.ResponseWriter, *http.Request) { t.Error("a refused call reached the server") })
	for round := range 60 {
		clientKey := "fk_live_" + randomSecret(r, 16+r.IntN(16), alnum)
		callKey := randomSecret(r, 16+r.IntN(16), alnum)
		var name, value string
		switch round % 3 {
		case 0:
			name, value = "X-"+callKey+"(", "v"
		case 1:
			name, value = callKey, "v\n" // a valid name, exactly the key
		default:
			name, value = callKey+"(", "v"
		}
		var logs bytes.Buffer
		obs := &tellAll{}
		c, err := NewClient(WithAPIKey(clientKey), WithBaseURL(srv.URL), WithObserver(obs), debugLogger(&logs))
		require.NoError(t, err)
		orders := [][]RequestOption{
			{WithHeader(name, value), WithAPIKey(callKey)},
			{WithAPIKey(callKey), WithHeader(name, value)},
		}
		for _, opts := range orders {
			var resp Response
			_, err := c.Configurations.Get(context.Background(), "x", append(opts, WithResponseInto(&resp))...)
			var pe *ParamError
			require.ErrorAs(t, err, &pe)
			require.True(t, strings.HasPrefix(pe.Field, "header "), pe.Field)
			secrets := []string{clientKey, callKey}
			requireNoWindow(t, "the error and the Response", outputs(err, &resp), secrets)
		}
		requireNoWindow(t, "the log records", logs.String(), []string{clientKey, callKey})
		requireNoWindow(t, "what the Observer was given", obs.String(), []string{clientKey, callKey})
	}
}

// The probe's own case, word for word.
func TestRefusalScrubbedWhateverTheOptionOrderProbeCase(t *testing.T) {
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL("http://127.0.0.1:1"))
	require.NoError(t, err)
	_, err = c.Configurations.Get(context.Background(), "x", WithHeader("X-clientKEYabc0815(", "v"), WithAPIKey("clientKEYabc0815"))
	require.ErrorIs(t, err, ErrInvalidParams)
	requireNoWindow(t, "the error", outputs(err, nil), []string{"clientKEYabc0815"})
}

// tellAllAttempts is tellAll that also writes down the AttemptInfo each
// attempt's context carries.
type tellAllAttempts struct{ tellAll }

func (o *tellAllAttempts) ObserveCall(ctx context.Context, info CallInfo) (context.Context, CallObserver) {
	o.printf("call %+v\n", info)
	return ctx, o
}

func (o *tellAllAttempts) Attempt(r *http.Request, next MiddlewareNext) (*http.Response, error) {
	info, ok := AttemptFromContext(r.Context())
	o.printf("attempt %v %+v\n", ok, info)
	return o.tellAll.Attempt(r, next)
}

// F2: an id or idempotency key that holds the API key or a credential is
// sent as it is, and shown nowhere else: not in the error's operation
// prefix, the debug log, the Observer's CallInfo, AttemptInfo or result.
func TestCallerValuesHoldingASecretAreScrubbed(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 53))
	var paths sharedVar[[]string]
	srv := echoServer(t, func(w http.ResponseWriter, req *http.Request) {
		paths.set(append(paths.get(), req.URL.Path+" "+req.Header.Get("Idempotency-Key")))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"success":false,"error":{"code":"NOT_FOUND","message":"no such configuration","type":"not_found"}}`))
	})
	down := echoServer(t, func(http.ResponseWriter, *http.Request) {})
	downURL := down.URL
	down.Close()
	for round := range 40 {
		key := "sk-live-" + randomSecret(r, 16+r.IntN(16), alnum)
		cred := "ghp_" + randomSecret(r, 16+r.IntN(16), alnum)
		secret := key
		if round%2 == 1 {
			secret = cred
		}
		base := srv.URL
		if round%4 >= 2 {
			base = downURL
		}
		var logs bytes.Buffer
		obs := &tellAllAttempts{}
		c, err := NewClient(WithAPIKey(key), WithBaseURL(base), WithMaxRetries(0), WithObserver(obs), debugLogger(&logs))
		require.NoError(t, err)
		p := validParams()
		p.Credentials = BearerCredentials(cred)
		name := "n"
		calls := map[string]func() error{
			"Get":  func() error { _, err := c.Configurations.Get(context.Background(), key); return err },
			"Test": func() error { _, err := c.Configurations.Test(context.Background(), key); return err },
			"Update": func() error {
				_, err := c.Configurations.Update(context.Background(), secret,
					UpdateConfigurationParams{Name: &name, Credentials: BearerCredentials(cred)})
				return err
			},
			"Create": func() error {
				_, err := c.Configurations.Create(context.Background(), p, WithIdempotencyKey(secret))
				return err
			},
		}
		for op, call := range calls {
			paths.set(nil)
			err := call()
			require.Error(t, err, op)
			require.Contains(t, err.Error(), "freddy: "+op, "the error still names the operation")
			secrets := []string{key}
			if op == "Update" || op == "Create" {
				secrets = append(secrets, cred)
			}
			requireNoWindow(t, op+": the error", outputs(err, nil), secrets)
			if base == srv.URL {
				sent := strings.Join(paths.get(), "\n")
				switch op {
				case "Create":
					require.Contains(t, sent, " "+secret, "the real idempotency key is sent")
				case "Update":
					require.Contains(t, sent, "/"+secret, "the real id is sent")
				default:
					require.Contains(t, sent, "/"+key, "the real id is sent")
				}
			}
		}
		c.CloseIdleConnections()
		all := []string{key, cred}
		require.Contains(t, logs.String(), "configuration_id=")
		requireNoWindow(t, "the log records", logs.String(), all)
		require.Contains(t, obs.String(), "attempt true")
		requireNoWindow(t, "what the Observer was given", obs.String(), all)
	}
}

// limitErr is a Limiter's own error type, for errors.As.
type limitErr struct{ msg string }

func (e *limitErr) Error() string { return e.msg }

var errLimitSentinel = errors.New("limit sentinel")

// keyedLimiter refuses with an error that quotes the key and a credential.
type keyedLimiter struct{ err error }

func (l keyedLimiter) Wait(context.Context) error { return l.err }

// F3: a Limiter's error that quotes the key or a credential is scrubbed in
// the call's error and what the Observer is given, and still unwraps to
// the Limiter's own error.
func TestLimiterErrorIsScrubbed(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 55))
	srv := echoServer(t, func(http.ResponseWriter, *http.Request) { t.Error("a refused attempt reached the server") })
	for range 40 {
		key := "sk-live-" + randomSecret(r, 16+r.IntN(16), alnum)
		cred := randomSecret(r, 16+r.IntN(16), alnum)
		own := &limitErr{msg: "limit: " + cut(r, key) + " " + cut(r, cred)}
		var logs bytes.Buffer
		obs := &tellAll{}
		c, err := NewClient(WithAPIKey(key), WithBaseURL(srv.URL), WithObserver(obs), debugLogger(&logs),
			WithLimiter(keyedLimiter{fmt.Errorf("%w: %w", own, errLimitSentinel)}))
		require.NoError(t, err)
		p := validParams()
		p.Credentials = BearerCredentials(cred)
		_, err = c.Configurations.Create(context.Background(), p)
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl)
		require.Contains(t, err.Error(), "freddy: Create: rate limited: request not sent: limiter: limit: ")
		require.ErrorIs(t, err, errLimitSentinel, "the Limiter's error is still reached")
		var got *limitErr
		require.ErrorAs(t, err, &got)
		require.Same(t, own, got)
		secrets := []string{key, cred}
		for _, verb := range []string{"%v", "%+v", "%s", "%q"} {
			requireNoWindow(t, "the error", fmt.Sprintf(verb, err), secrets)
		}
		requireNoWindow(t, "the log records", logs.String(), secrets)
		requireNoWindow(t, "what the Observer was given", obs.String(), secrets)
	}
}

// cancelOnRetry is tellAll that cancels the call's context when a retry
// is granted: the call ends in its wait, with the last API error kept.
type cancelOnRetry struct {
	tellAll
	cancel context.CancelFunc
}

func (o *cancelOnRetry) ObserveCall(ctx context.Context, info CallInfo) (context.Context, CallObserver) {
	o.printf("call %+v\n", info)
	return ctx, o
}

func (o *cancelOnRetry) Retry(ri RetryInfo) { o.tellAll.Retry(ri); o.cancel() }

// An idempotency key holding a secret is scrubbed in the earlier API error
// a RequestError keeps too: a Create answered 500, cancelled in its wait.
func TestSecretIdempotencyKeyScrubbedInLastAPIError(t *testing.T) {
	srv := echoServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"success":false,"error":{"code":"INTERNAL","message":"boom","type":"server"}}`))
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	obs := &cancelOnRetry{cancel: cancel}
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), WithMaxRetries(1),
		WithRetryWait(5*time.Second, 5*time.Second), WithObserver(obs))
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	_, err = c.Configurations.Create(ctx, validParams(), WithIdempotencyKey(testAPIKey))
	require.ErrorIs(t, err, context.Canceled)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	var last *APIError
	require.ErrorAs(t, re.LastAPIError, &last)
	secrets := []string{testAPIKey}
	requireNoWindow(t, "the error", outputs(err, nil)+fmt.Sprintf("%#v", *last), secrets)
	requireNoWindow(t, "what the Observer was given", obs.String(), secrets)
}
