package freddy

import (
	"context"
	"errors"
	"fmt"
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
		require.Len(t, obs.calls, 3, "a call refused before sending is observed too")
		assert.Equal(t, CallResult{Err: err, ErrorKind: "canceled"}, obs.results[2])
	})
}

// Every call is observed, one refused before its first attempt included:
// ObserveCall, then End with no attempt, the error the call returns and its
// kind.
func TestObserverSeesCallsRefusedBeforeTheirFirstAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errFull := errors.New("store says no")
		obs := &recordingObserver{}
		rt := script(reply(200, fixture(t, "create_200.json")))
		c := newClient(t, rt, WithObserver(obs), WithLimiter(&countingLimiter{failOn: 1, err: errFull}))
		ctx := context.Background()
		refusals := []struct {
			name string
			call func() error
			info CallInfo
			kind string
		}{
			{"the Limiter", func() error { _, err := c.Configurations.Get(ctx, "pconf_1"); return err },
				CallInfo{Operation: "Get", Method: "GET", Route: configurationsPath + "/{id}", ConfigurationID: "pconf_1"}, "rate_limited"},
			{"a bad id", func() error { _, err := c.Configurations.Get(ctx, "a/b"); return err },
				CallInfo{Operation: "Get", Method: "GET", Route: configurationsPath + "/{id}", ConfigurationID: "a/b"}, "invalid_params"},
			{"bad params", func() error { _, err := c.Configurations.Create(ctx, CreateConfigurationParams{}); return err },
				CallInfo{Operation: "Create", Method: "POST", Route: configurationsPath}, "invalid_params"},
			{"a bad option", func() error {
				_, err := c.Configurations.List(ctx, ListConfigurationsParams{}, WithTimeout(-1))
				return err
			},
				CallInfo{Operation: "List", Method: "GET", Route: configurationsPath}, "invalid_params"},
			{"a nil context", func() error {
				//lint:ignore SA1012 the nil context is the bad param under test
				_, err := c.Configurations.Get(nil, "pconf_1") //nolint:staticcheck
				return err
			}, CallInfo{Operation: "Get", Method: "GET", Route: configurationsPath + "/{id}", ConfigurationID: "pconf_1"}, "invalid_params"},
		}
		for i, r := range refusals {
			err := r.call()
			require.Error(t, err, r.name)
			require.Len(t, obs.calls, i+1, "%s: observed", r.name)
			require.Len(t, obs.results, i+1, "%s: ended", r.name)
			got := obs.calls[i]
			got.IdempotencyKey = ""
			assert.Equal(t, r.info, got, r.name)
			assert.Equal(t, CallResult{Err: err, ErrorKind: r.kind}, obs.results[i], r.name)
		}
		assert.Empty(t, rt.requests(), "none was sent")
		assert.Empty(t, obs.attempts)
	})
}

// The observation starts before the pacing hold: a call held 1.5s before
// its first attempt is observed from the start of the hold, and its Waited
// says so.
func TestObserverSeesThePacingHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ok := fixture(t, "create_200.json")
		rt := script(reply(200, ok, "X-Ratelimit-Limit-Requests", "1", "X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "1.5s"),
			reply(200, ok))
		obs := &timingObserver{}
		c := newClient(t, rt, WithObserver(obs))
		spend(t, c, 1)
		start := time.Now()
		_, err := c.Configurations.Create(context.Background(), validParams())
		require.NoError(t, err)
		require.Len(t, obs.observed, 2)
		assert.Equal(t, start, obs.observed[1], "ObserveCall comes before the hold")
		assert.Equal(t, start.Add(1500*time.Millisecond), obs.ended[1])
		assert.Equal(t, 1500*time.Millisecond, obs.results[1].Waited)
	})
}

// timingObserver records when each call was observed and ended.
type timingObserver struct {
	recordingObserver
	observed, ended []time.Time
}

func (o *timingObserver) ObserveCall(ctx context.Context, info CallInfo) (context.Context, CallObserver) {
	o.observed = append(o.observed, time.Now())
	ctx, _ = o.recordingObserver.ObserveCall(ctx, info)
	return ctx, o
}

func (o *timingObserver) End(res CallResult) {
	o.ended = append(o.ended, time.Now())
	o.recordingObserver.End(res)
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
	// A Limiter's refusal whose error wraps a context error of the
	// Limiter's own is rate limiting all the same.
	refusal := limiterRefusal(&limiterError{err: fmt.Errorf("store: %w", context.DeadlineExceeded)})
	assert.Equal(t, "rate_limited", ErrorKind(refusal))
	assert.ErrorIs(t, refusal, context.DeadlineExceeded, "the Limiter's error stays in the chain")
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
