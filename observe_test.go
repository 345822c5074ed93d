package freddy

import (
	"context"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingObserver keeps everything an Observer is told.
type recordingObserver struct {
	calls    []CallInfo
	attempts []AttemptInfo
	retries  []RetryInfo
	results  []CallResult
}

type ctxMark struct{}

func (o *recordingObserver) ObserveCall(ctx context.Context, info CallInfo) (context.Context, CallObserver) {
	o.calls = append(o.calls, info)
	return context.WithValue(ctx, ctxMark{}, "call span"), o
}

func (o *recordingObserver) Attempt(r *http.Request, next MiddlewareNext) (*http.Response, error) {
	info, _ := AttemptFromContext(r.Context())
	if r.Context().Value(ctxMark{}) != "call span" {
		info.Operation = "attempt outside the observed call's context"
	}
	o.attempts = append(o.attempts, info)
	return next(r)
}

func (o *recordingObserver) Retry(ri RetryInfo) { o.retries = append(o.retries, ri) }
func (o *recordingObserver) End(res CallResult) { o.results = append(o.results, res) }

func TestObserverSeesEachCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(429, body429("1"), "X-RateLimit-Limit", "60", "X-RateLimit-Remaining", "0"),
			reply(500, nil),
			reply(200, fixture(t, "create_200.json"), "X-RateLimit-Limit", "60", "X-RateLimit-Remaining", "58"))
		obs := &recordingObserver{}
		c := newClient(t, rt, WithObserver(obs))
		_, err := c.Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("idem-obs"))
		require.NoError(t, err)
		assert.Equal(t, []CallInfo{{Operation: "Create", Method: "POST", Route: "/v1/personal-connectors/configurations", IdempotencyKey: "idem-obs"}}, obs.calls)
		assert.Equal(t, []AttemptInfo{{Index: 0, Operation: "Create", IdempotencyKey: "idem-obs"}, {Index: 1, Operation: "Create", IdempotencyKey: "idem-obs"},
			{Index: 2, Operation: "Create", IdempotencyKey: "idem-obs"}}, obs.attempts)
		assert.Equal(t, []RetryInfo{
			{Attempt: 1, StatusCode: 429, Reason: "rate_limited", Wait: time.Second, ServerAsked: true},
			{Attempt: 2, StatusCode: 500, Reason: "server_error", Wait: time.Second},
		}, obs.retries)
		require.Len(t, obs.results, 1)
		res := obs.results[0]
		assert.Equal(t, CallResult{Attempts: 3, StatusCode: 200, RateLimit: RateLimit{Limit: 60, Remaining: 58}, Waited: 2 * time.Second}, res)

		_, err = c.Configurations.Get(context.Background(), "pconf_abc123", WithMaxRetries(0))
		require.NoError(t, err)
		assert.Equal(t, "/v1/personal-connectors/configurations/{id}", obs.calls[1].Route, "the route never holds the id")
		assert.Equal(t, "pconf_abc123", obs.calls[1].ConfigurationID)
	})
}

func TestObserverSeesFailuresAndTheirKind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(hang)
		obs := &recordingObserver{}
		c := newClient(t, rt, WithObserver(obs), WithTimeout(time.Second), WithMaxRetries(1))
		_, err := c.Configurations.Get(context.Background(), "pconf_1")
		require.Error(t, err)
		require.Len(t, obs.results, 1)
		assert.Equal(t, "timeout", obs.results[0].ErrorKind)
		assert.Equal(t, err, obs.results[0].Err, "the error the call returns, named")
		assert.Equal(t, "Get", obs.results[0].Err.(*RequestError).Operation)
		assert.Equal(t, []RetryInfo{{Attempt: 1, Reason: "timeout", Wait: 500 * time.Millisecond}}, obs.retries)

		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err = c.Configurations.Get(ctx, "pconf_1")
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, "canceled", obs.results[1].ErrorKind)

		_, err = c.Configurations.Get(ctx, "pconf_1")
		require.ErrorIs(t, err, context.Canceled)
		assert.Len(t, obs.calls, 2, "a call refused before sending is not observed")
	})
}

func TestErrorKind(t *testing.T) {
	for want, err := range map[string]error{
		"":                  nil,
		"canceled":          &RequestError{Err: context.Canceled},
		"deadline_exceeded": &RequestError{Err: context.DeadlineExceeded},
		"invalid_params":    &ParamError{},
		"validation":        &ValidationError{},
		"unauthorized":      &AuthenticationError{},
		"forbidden":         &AuthorizationError{},
		"not_found":         &NotFoundError{},
		"conflict":          &ConflictError{},
		"rate_limited":      &RateLimitError{},
		"server_error":      &ServerError{},
		"api_error":         &APIError{StatusCode: 418},
		"decode":            &DecodeError{},
		"transport":         &RequestError{Err: http.ErrHandlerTimeout},
	} {
		assert.Equal(t, want, ErrorKind(err), "%T", err)
	}
}

// nilContextObserver returns no context from ObserveCall.
type nilContextObserver struct{ recordingObserver }

func (o *nilContextObserver) ObserveCall(_ context.Context, info CallInfo) (context.Context, CallObserver) {
	o.calls = append(o.calls, info)
	return nil, o
}

// An Observer that returns a nil context leaves the call its own: the call
// runs, observed, without a panic.
func TestObserverReturningANilContext(t *testing.T) {
	rt := script(reply(200, fixture(t, "create_200.json")))
	obs := &nilContextObserver{}
	type mark struct{}
	ctx := context.WithValue(context.Background(), mark{}, "caller")
	var seen any
	saw := func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		seen = r.Context().Value(mark{})
		return next(r)
	}
	_, err := newClient(t, rt, WithObserver(obs)).Configurations.Create(ctx, validParams(), WithMiddleware(saw))
	require.NoError(t, err)
	assert.Equal(t, "caller", seen, "the attempt runs on the call's context")
	require.Len(t, obs.results, 1)
	assert.Equal(t, 1, obs.results[0].Attempts)
}
