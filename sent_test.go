package freddy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notFoundServer answers every request 404 and counts them.
func notFoundServer(t *testing.T, hits *atomic.Int32) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":{"type":"not_found_error","message":"nf","code":"configuration_not_found"}}`)
	}))
	t.Cleanup(s.Close)
	return s
}

// blockFirstDial is a transport whose first dial blocks until its context
// ends (the attempt's timeout or the caller's deadline); later dials connect.
func blockFirstDial() *http.Transport {
	var n atomic.Int32
	var d net.Dialer
	return &http.Transport{DialContext: func(ctx context.Context, nw, addr string) (net.Conn, error) {
		if n.Add(1) == 1 {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return d.DialContext(ctx, nw, addr)
	}}
}

func sentTestClient(t *testing.T, base string, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(append([]Option{WithAPIKey(testAPIKey), WithBaseURL(base), WithRetryWait(time.Millisecond, time.Millisecond)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// A dial that blocks until the attempt's timeout sent nothing: the 404 that
// answers the retry is the configuration's own, not a lost delete's.
func TestSentDialTimeoutThen404IsNotFound(t *testing.T) {
	var hits atomic.Int32
	s := notFoundServer(t, &hits)
	c := sentTestClient(t, s.URL, WithTimeout(20*time.Millisecond), WithHTTPClient(&http.Client{Transport: blockFirstDial()}))
	err := c.Configurations.Delete(context.Background(), "pconf_1")
	require.ErrorIs(t, err, ErrNotFound)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, int32(1), hits.Load())
}

// A dial that blocks until the caller's deadline sent nothing.
func TestSentDialUntilDeadlineIsNotOutcomeUnknown(t *testing.T) {
	var hits atomic.Int32
	s := notFoundServer(t, &hits)
	c := sentTestClient(t, s.URL, WithMaxRetries(0), WithHTTPClient(&http.Client{Transport: blockFirstDial()}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.Configurations.Create(ctx, validParams())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Zero(t, hits.Load())
}

// An untrusted certificate fails the handshake before anything is sent.
func TestSentTLSHandshakeFailureIsNotOutcomeUnknown(t *testing.T) {
	var hits atomic.Int32
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake error is the point
	t.Cleanup(s.Close)
	c := sentTestClient(t, s.URL, WithMaxRetries(0))
	_, err := c.Configurations.Create(context.Background(), validParams())
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Zero(t, hits.Load())
}

// A Proxy func's error ends the attempt before any connection.
func TestSentProxyFuncErrorIsNotOutcomeUnknown(t *testing.T) {
	var hits atomic.Int32
	s := notFoundServer(t, &hits)
	tr := &http.Transport{Proxy: func(*http.Request) (*url.URL, error) { return nil, errors.New("no proxy") }}
	c := sentTestClient(t, s.URL, WithMaxRetries(0), WithHTTPClient(&http.Client{Transport: tr}))
	err := c.Configurations.Delete(context.Background(), "pconf_1")
	require.ErrorContains(t, err, "no proxy")
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Zero(t, hits.Load())
}

// A middleware that fails without calling next sent nothing.
func TestSentMiddlewareWithoutNextIsNotOutcomeUnknown(t *testing.T) {
	var hits atomic.Int32
	s := notFoundServer(t, &hits)
	stop := func(*http.Request, MiddlewareNext) (*http.Response, error) { return nil, errors.New("refused locally") }
	c := sentTestClient(t, s.URL, WithMaxRetries(0), WithMiddleware(stop))
	_, err := c.Configurations.Create(context.Background(), validParams())
	require.ErrorContains(t, err, "refused locally")
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Zero(t, hits.Load())
}

// The control: a connection that drops after the request was read may have
// been acted on, and a 404 answering the retry is Delete's success.
func TestSentDropThen404IsDeleted(t *testing.T) {
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":{"type":"not_found_error","message":"nf","code":"configuration_not_found"}}`)
	}))
	t.Cleanup(s.Close)
	c := sentTestClient(t, s.URL)
	require.NoError(t, c.Configurations.Delete(context.Background(), "pconf_1"))
	assert.Equal(t, int32(2), n.Load())
}

// abandonNext is the common per-attempt-timeout middleware: it runs next in
// a goroutine and gives up on it. It returns once next has started (the
// dial began: started is closed by the transport), and done is closed when
// the abandoned next returns.
func abandonNext(started <-chan struct{}, done chan<- struct{}) Middleware {
	return func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		go func() {
			defer close(done)
			if resp, err := next(r); err == nil {
				_ = resp.Body.Close()
			}
		}()
		<-started
		return nil, errors.New("attempt timed out after 20ms")
	}
}

// An attempt a middleware abandoned connects after its call returned: it
// must not mark a later, unrelated call (whose dial is refused) as sent, nor
// touch anything that call uses (-race). Its own call may have acted.
func TestAbandonedAttemptDoesNotReachTheNextCall(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"pconf_1"}`))
	}))
	t.Cleanup(s.Close)
	// Rounds: the pool hands the released call to the next call most of
	// the time, not always (under -race it drops a quarter of what it is
	// given).
	for round := 0; round < 4; round++ {
		var dials atomic.Int32
		started, release, abandonedDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
		var d net.Dialer
		tr := &http.Transport{DialContext: func(ctx context.Context, nw, addr string) (net.Conn, error) {
			switch dials.Add(1) {
			case 1: // the abandoned attempt: connects once the next call dials
				close(started)
				<-release
				return d.DialContext(context.Background(), nw, addr)
			default: // the next call: its dial is refused, after the abandoned attempt connected and was answered
				close(release)
				<-abandonedDone
				return nil, &net.OpError{Op: "dial", Net: nw, Err: syscall.ECONNREFUSED}
			}
		}}
		c := sentTestClient(t, s.URL, WithMaxRetries(0), WithHTTPClient(&http.Client{Transport: tr}))
		_, err := c.Configurations.Create(context.Background(), validParams(), WithMiddleware(abandonNext(started, abandonedDone)))
		require.ErrorContains(t, err, "attempt timed out")
		assert.ErrorIs(t, err, ErrOutcomeUnknown, "the abandoned attempt was still under way: it may have acted")

		_, err = c.Configurations.Create(context.Background(), validParams())
		require.ErrorIs(t, err, syscall.ECONNREFUSED)
		assert.NotErrorIs(t, err, ErrOutcomeUnknown, "round %d: the refused Create sent nothing", round)
		tr.CloseIdleConnections()
	}
}

// A middleware that calls next after its call has returned sends nothing:
// the call's state is no longer reachable, and nothing is delivered behind
// the caller's back.
func TestNextAfterTheCallReturnedSendsNothing(t *testing.T) {
	var hits atomic.Int32
	s := notFoundServer(t, &hits)
	var (
		late    MiddlewareNext
		lateReq *http.Request
	)
	keep := func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		late, lateReq = next, r
		return nil, errors.New("gave up")
	}
	c := sentTestClient(t, s.URL, WithMaxRetries(0))
	err := c.Configurations.Delete(context.Background(), "pconf_1", WithMiddleware(keep))
	require.ErrorContains(t, err, "gave up")
	resp, err := late(lateReq)
	assert.Nil(t, resp)
	require.ErrorIs(t, err, errCallReturned)
	assert.Zero(t, hits.Load())
}

// wrapRT is a RoundTripper that is not *http.Transport (a logging wrapper,
// otelhttp): the SDK cannot see its connections through its type.
type wrapRT struct{ rt http.RoundTripper }

func (w wrapRT) RoundTrip(r *http.Request) (*http.Response, error) { return w.rt.RoundTrip(r) }

// failFirst is a middleware that fails the first attempt without calling
// next, with an error that says nothing about a connection; later attempts
// go on.
func failFirst() Middleware {
	var n atomic.Int32
	return func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		if n.Add(1) == 1 {
			return nil, errors.New("circuit open")
		}
		return next(r)
	}
}

// Whatever the transport, an attempt the SDK's layer never handed on was not
// sent: a Delete whose retry is answered 404 did not delete anything, and a
// Create never sent does not match ErrOutcomeUnknown.
func TestSentMiddlewareWithoutNextOnAnyTransport(t *testing.T) {
	var hits atomic.Int32
	s := notFoundServer(t, &hits)
	wrapped := WithHTTPClient(&http.Client{Transport: wrapRT{http.DefaultTransport.(*http.Transport).Clone()}})

	c := sentTestClient(t, s.URL, wrapped)
	err := c.Configurations.Delete(context.Background(), "pconf_1", WithMiddleware(failFirst()))
	require.ErrorIs(t, err, ErrNotFound, "the 404 is the configuration's own")
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, int32(1), hits.Load())

	never := func(*http.Request, MiddlewareNext) (*http.Response, error) { return nil, errors.New("circuit open") }
	_, err = c.Configurations.Create(context.Background(), validParams(), WithMiddleware(never))
	require.ErrorContains(t, err, "circuit open")
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, int32(1), hits.Load())
}

// A retry after an attempt that was not sent is the first request sent: it
// has Index 0, and the call counts one attempt.
func TestAttemptNotSentIsNotCounted(t *testing.T) {
	rt := script(reply(200, fixture(t, "create_200.json")))
	var indexes []int
	record := func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		info, _ := AttemptFromContext(r.Context())
		indexes = append(indexes, info.Index)
		return next(r)
	}
	obs := &recordingObserver{}
	var resp Response
	_, err := newClient(t, rt, WithObserver(obs), WithMiddleware(failFirst()), withJitter(0), WithRetryWait(time.Millisecond, time.Millisecond)).
		Configurations.Create(context.Background(), validParams(), WithMiddleware(record), WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, []int{0}, indexes)
	assert.Equal(t, 1, resp.Attempts)
	require.Len(t, obs.results, 1)
	assert.Equal(t, 1, obs.results[0].Attempts)
	require.Len(t, obs.retries, 1, "the unsent attempt was retried")
}

// The abandoned attempt connects while other calls run and return: under
// -race, its report must touch nothing those calls use or release.
func TestAbandonedAttemptRacesNoOtherCall(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":"pconf_1"}`))
	}))
	t.Cleanup(s.Close)
	var dials atomic.Int32
	started, release, abandonedDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var d net.Dialer
	tr := &http.Transport{DialContext: func(ctx context.Context, nw, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			close(started)
			<-release
		}
		return d.DialContext(context.Background(), nw, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	c := sentTestClient(t, s.URL, WithMaxRetries(0), WithHTTPClient(&http.Client{Transport: tr}))
	_, err := c.Configurations.Create(context.Background(), validParams(), WithMiddleware(abandonNext(started, abandonedDone)))
	require.ErrorContains(t, err, "attempt timed out")
	close(release)
	for i := 0; i < 20; i++ {
		_, err := c.Configurations.Get(context.Background(), "pconf_1")
		require.NoError(t, err)
	}
	<-abandonedDone
}

// A next that comes after the SDK judged its attempt not sent, while the
// call is still finishing (here: logging that attempt), sends nothing: the
// call says it sent nothing, and that holds.
func TestLateNextAfterTheAttemptWasJudgedSendsNothing(t *testing.T) {
	rt := script(reply(201, fixture(t, "create_200.json")))
	var (
		late    MiddlewareNext
		lateReq *http.Request
		lateErr error
		once    sync.Once
	)
	keep := func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		late, lateReq = next, r
		return nil, errors.New("attempt timed out after 20ms")
	}
	// The goroutine the middleware left behind reaches next while the call
	// logs the attempt it has judged: after the judgment, before the call
	// returns.
	logger := slog.New(onRecord(func(rec slog.Record) {
		if rec.Message == "freddy: attempt" {
			once.Do(func() {
				resp, err := late(lateReq)
				if resp != nil {
					_ = resp.Body.Close()
				}
				lateErr = err
			})
		}
	}))
	var resp Response
	_, err := newClient(t, rt, WithLogger(logger), WithMaxRetries(0)).
		Configurations.Create(context.Background(), validParams(), WithMiddleware(keep), WithResponseInto(&resp))
	require.ErrorContains(t, err, "attempt timed out")
	require.ErrorIs(t, lateErr, errAttemptJudged)
	assert.Empty(t, rt.requests(), "nothing was sent")
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Zero(t, resp.Attempts)
}

// A next that passed the gate before the judgment makes the attempt sent:
// the middleware's goroutine is still sending when its middleware gives up.
func TestNextBeforeTheJudgmentIsSent(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	rt := script(func(*http.Request) (*http.Response, error) {
		close(started)
		<-release
		return response(201, fixture(t, "create_200.json")), nil
	})
	done := make(chan struct{})
	var resp Response
	_, err := newClient(t, rt, WithMaxRetries(0)).Configurations.Create(context.Background(), validParams(),
		WithMiddleware(abandonNext(started, done)), WithResponseInto(&resp))
	close(release)
	<-done
	require.ErrorContains(t, err, "attempt timed out")
	assert.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, 1, resp.Attempts)
}

// On a RoundTripper that reports no connections, a middleware that rewrites
// next's error as text (losing the *net.OpError) does not make a refused
// dial sent: the SDK judges by what the transport returned to its own
// layer. A Delete whose retry is answered 404 deleted nothing; a Create
// whose every dial is refused does not match ErrOutcomeUnknown.
func TestSentJudgedByTheTransportsErrorNotTheMiddlewares(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	flatten := func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
		resp, err := next(r)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %v", r.Method, r.URL.Path, err)
		}
		return resp, nil
	}
	notFound := []byte(`{"error":{"type":"not_found_error","message":"nf","code":"configuration_not_found"}}`)
	for _, withObs := range []bool{false, true} {
		opts := []Option{WithMiddleware(flatten), WithRetryWait(time.Millisecond, time.Millisecond)}
		if withObs {
			opts = append(opts, WithObserver(&recordingObserver{}))
		}
		rt := script(fail(refused), reply(404, notFound))
		err := newClient(t, rt, opts...).Configurations.Delete(context.Background(), "pconf_1")
		require.ErrorIs(t, err, ErrNotFound, "observer %v: the 404 is the configuration's own", withObs)
		assert.Len(t, rt.requests(), 2)

		rt = script(fail(refused))
		_, err = newClient(t, rt, append(opts, WithMaxRetries(1))...).Configurations.Create(context.Background(), validParams())
		require.ErrorContains(t, err, "connection refused")
		assert.NotErrorIs(t, err, ErrOutcomeUnknown, "observer %v: no dial succeeded", withObs)

		// A response the middleware turns into an error did arrive.
		rt = script(reply(201, fixture(t, "create_200.json")))
		drop := func(r *http.Request, next MiddlewareNext) (*http.Response, error) {
			resp, err := next(r)
			if err == nil {
				_ = resp.Body.Close()
			}
			return nil, errors.New("dropped the response")
		}
		_, err = newClient(t, rt, append(opts, WithMaxRetries(0), WithMiddleware(drop))...).Configurations.Create(context.Background(), validParams())
		assert.ErrorIs(t, err, ErrOutcomeUnknown, "observer %v: the Create arrived", withObs)
	}
}

// abandoningObserver gives up on next as a per-attempt timeout does: its
// Attempt returns while next runs on the goroutine it started, which writes
// its results after the attempt has ended (-race: nothing the SDK reads).
type abandoningObserver struct {
	recordingObserver
	started chan struct{}
	done    chan struct{}
}

func (o *abandoningObserver) ObserveCall(ctx context.Context, info CallInfo) (context.Context, CallObserver) {
	return ctx, o
}

func (o *abandoningObserver) Attempt(r *http.Request, next MiddlewareNext) (*http.Response, error) {
	return abandonNext(o.started, o.done)(r, next)
}

func TestObserverAbandoningNextRacesNothing(t *testing.T) {
	for _, fails := range []bool{false, true} {
		obs := &abandoningObserver{started: make(chan struct{}), done: make(chan struct{})}
		rt := script(func(*http.Request) (*http.Response, error) {
			close(obs.started)
			if fails {
				return nil, io.ErrUnexpectedEOF
			}
			return response(201, fixture(t, "create_200.json")), nil
		})
		_, err := newClient(t, rt, WithObserver(obs), WithMaxRetries(0)).Configurations.Create(context.Background(), validParams())
		<-obs.done
		require.ErrorContains(t, err, "attempt timed out")
		assert.ErrorIs(t, err, ErrOutcomeUnknown)
	}
}

// The fallback's common case, a response, is decided without allocating:
// every call through a RoundTripper that is not an *http.Transport (an
// instrumenting wrapper, say) judges its response here.
func TestSentByErrorAllocatesNothingForAResponse(t *testing.T) {
	assert.True(t, sentByError(nil))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = sentByError(nil) }))
}
