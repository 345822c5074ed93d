package freddy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The fourth outside probe's leaks, each through the public API against a
// real server, with random secrets cut at random offsets: every output
// (the error and its chain in every fmt verb, the debug log records, the
// Response metadata, everything the Observer is given) holds no 8-byte
// window of any key or credential of the call.

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// tellAll is an Observer that writes down everything it is given: the call,
// each request view (URL and header), each response view, each retry and
// the call's result.
type tellAll struct {
	mu   sync.Mutex
	seen strings.Builder
}

func (o *tellAll) ObserveCall(ctx context.Context, info CallInfo) (context.Context, CallObserver) {
	o.printf("call %+v\n", info)
	return ctx, o
}

func (o *tellAll) Attempt(r *http.Request, next MiddlewareNext) (*http.Response, error) {
	o.printf("request %v %v %v\n", r.URL, r.Header, r.Host)
	resp, err := next(r)
	if err != nil {
		o.printf("error %v %+v %#v\n", err, err, err)
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	o.printf("response %s %v %v %s\n", resp.Status, resp.Header, resp.Trailer, b)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func (o *tellAll) Retry(ri RetryInfo) { o.printf("retry %+v\n", ri) }

func (o *tellAll) End(res CallResult) {
	o.printf("end %+v %v %#v\n", res, res.Err, res.Err)
}

func (o *tellAll) printf(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(&o.seen, format, args...)
}

func (o *tellAll) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.seen.String()
}

// outputs is everything one call showed: its error in every verb, down
// its chain, and the Response metadata.
func outputs(err error, resp *Response) string {
	var b strings.Builder
	for _, e := range chain(err) {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			fmt.Fprintf(&b, verb+"\n", e)
		}
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		fmt.Fprintf(&b, "%#v %v\n", *apiErr, apiErr.Details)
	}
	if resp != nil {
		fmt.Fprintf(&b, "%+v %v %v\n", *resp, resp.RequestID, resp.Header)
	}
	return b.String()
}

// echoServer answers every request with what answer returns for it.
func echoServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(answer))
	t.Cleanup(srv.Close)
	return srv
}

// sharedVar is a value the test sets before each call and the server reads.
type sharedVar[T any] struct {
	mu sync.Mutex
	v  T
}

func (s *sharedVar[T]) set(v T) { s.mu.Lock(); s.v = v; s.mu.Unlock() }
func (s *sharedVar[T]) get() T  { s.mu.Lock(); defer s.mu.Unlock(); return s.v }

// cut returns a random run of s at least secretWindow bytes long.
func cut(r *rand.Rand, s string) string {
	i := r.IntN(len(s) - secretWindow + 1)
	j := i + secretWindow + r.IntN(len(s)-i-secretWindow+1)
	return s[i:j]
}

// F1: a call with its own key scrubs the Client's key too: a server that
// knows the caller by the Client's key echoes it in an error of the call.
func TestPerCallKeyCallScrubsTheClientsKey(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 41))
	var echo sharedVar[string]
	srv := echoServer(t, func(w http.ResponseWriter, _ *http.Request) {
		e := echo.get()
		w.Header().Set("X-Request-Id", e)
		w.Header().Set("X-Echo", e)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		body, _ := json.Marshal(map[string]any{"success": false, "error": map[string]any{
			"code": "INVALID_API_KEY", "message": "key " + e + " is not valid for this organization", "type": "auth",
			"details": map[string]any{"key": e}}})
		_, _ = w.Write(body)
	})
	for range 50 {
		clientKey := "fk_live_" + randomSecret(r, 20+r.IntN(20), alnum)
		callKey := "fk_live_" + randomSecret(r, 20+r.IntN(20), alnum)
		secrets := []string{clientKey, callKey}
		var logs bytes.Buffer
		obs := &tellAll{}
		c, err := NewClient(WithAPIKey(clientKey), WithBaseURL(srv.URL), WithMaxRetries(0), WithObserver(obs),
			WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		require.NoError(t, err)
		for _, e := range []string{clientKey, cut(r, clientKey), cut(r, callKey)} {
			echo.set(e)
			var resp Response
			_, err := c.Configurations.Create(context.Background(), validParams(), WithAPIKey(callKey), WithResponseInto(&resp))
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			require.Contains(t, err.Error(), "is not valid for this organization", "what is not secret stays")
			requireNoWindow(t, "the error and the Response", outputs(err, &resp), secrets)
		}
		c.CloseIdleConnections()
		requireNoWindow(t, "the log records", logs.String(), secrets)
		requireNoWindow(t, "what the Observer was given", obs.String(), secrets)
	}
}

// F3: pieces of a secret each shorter than a window, which the server puts
// into separate fields the message joins (code and message with ": ",
// refused fields with "; " and ": "), do not make the secret again in the
// message.
func TestSecretJoinedFromPiecesIsScrubbed(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 43))
	var answer sharedVar[[]byte]
	srv := echoServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		b := answer.get()
		status := http.StatusConflict
		if bytes.Contains(b, []byte(`"details"`)) {
			status = http.StatusUnprocessableEntity
		}
		w.WriteHeader(status)
		_, _ = w.Write(b)
	})
	// Pieces of up to 7 bytes in the code and message; up to 6 in the
	// fields, whose names fmt prints (Details with %v) after a space of its
	// own, a separator this test does not hand the server.
	piece := func() string { return randomSecret(r, 1+r.IntN(7), alnum) }
	short := func() string { return randomSecret(r, 1+r.IntN(6), alnum) }
	for round := range 200 {
		var secret string
		var body map[string]any
		switch round % 3 {
		case 0: // code: message
			code, msg := piece(), piece()
			secret = piece() + code + ": " + msg + piece()
			body = map[string]any{"code": code, "message": msg, "type": "t"}
		case 1: // field; field, sorted
			a, b := "A"+short()[1:], "b"+short()[1:]
			secret = piece() + a + "; " + b + piece()
			body = map[string]any{"code": "V", "message": "bad", "details": map[string]any{"fields": map[string]any{a: "", b: ""}}}
		default: // field: reason
			f, why := short(), short()
			secret = piece() + f + ": " + why + piece()
			body = map[string]any{"code": "V", "message": "bad", "details": map[string]any{"fields": map[string]any{f: why}}}
		}
		b, _ := json.Marshal(map[string]any{"success": false, "error": body})
		answer.set(b)
		var logs bytes.Buffer
		obs := &tellAll{}
		c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), WithMaxRetries(0), WithObserver(obs),
			WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		require.NoError(t, err)
		p := validParams()
		p.Credentials = NewCredentials(map[string]any{"password": secret})
		var resp Response
		_, err = c.Configurations.Create(context.Background(), p, WithResponseInto(&resp))
		c.CloseIdleConnections()
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		require.Contains(t, err.Error(), "freddy: Create: 4", "the message still says what happened")
		secrets := []string{secret, testAPIKey}
		requireNoWindow(t, "the error and the Response", outputs(err, &resp), secrets)
		requireNoWindow(t, "the log records", logs.String(), secrets)
		requireNoWindow(t, "what the Observer was given", obs.String(), secrets)
	}
}

// The probe's own two cases, word for word.
func TestSecretJoinedFromPiecesProbeCases(t *testing.T) {
	cases := []struct {
		secret string
		status int
		body   string
	}{
		{"Kx9f: Lm2Pq7Zt", 409, `{"success":false,"error":{"code":"Kx9f","message":"Lm2Pq7Z","type":"t"}}`},
		{"Server=db1; Password=Pa55w0rd!x; User=adm", 422,
			`{"success":false,"error":{"code":"V","message":"bad","details":{"fields":{"=db1":"","Passwo":""}}}}`},
	}
	for _, tc := range cases {
		srv := echoServer(t, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, tc.body)
		})
		var logs bytes.Buffer
		c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL), WithMaxRetries(0),
			WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		require.NoError(t, err)
		p := validParams()
		p.Credentials = NewCredentials(map[string]any{"password": tc.secret})
		_, err = c.Configurations.Create(context.Background(), p)
		c.CloseIdleConnections()
		require.Error(t, err)
		require.Contains(t, err.Error(), fmt.Sprintf("freddy: Create: %d ", tc.status))
		requireNoWindow(t, "the error", outputs(err, nil), []string{tc.secret})
		requireNoWindow(t, "the log records", logs.String(), []string{tc.secret})
	}
}

// F4, F5: the request the Observer is given shows no header value that
// holds the key or a credential: a cookie a server set (echoing the key)
// that the Client's jar sends back, a header the caller set to a
// credential. The server still gets the real ones.
func TestObserverRequestViewScrubsEveryHeader(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 45))
	var cookie sharedVar[string]
	type got struct{ cookie, token string }
	gotCh := make(chan got, 1)
	srv := echoServer(t, func(w http.ResponseWriter, req *http.Request) {
		gotCh <- got{req.Header.Get("Cookie"), req.Header.Get("X-Upstream-Token")}
		http.SetCookie(w, &http.Cookie{Name: "echo", Value: cookie.get(), Path: "/"})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(fixture(t, "create_200.json"))
	})
	for range 30 {
		key := "fk_live_" + randomSecret(r, 16+r.IntN(24), alnum)
		tok := "ghp_" + randomSecret(r, 16+r.IntN(24), alnum)
		jar, err := cookiejar.New(nil)
		require.NoError(t, err)
		obs := &tellAll{}
		c, err := NewClient(WithAPIKey(key), WithBaseURL(srv.URL), WithMaxRetries(0), WithObserver(obs),
			WithHTTPClient(&http.Client{Jar: jar}))
		require.NoError(t, err)
		p := validParams()
		p.Credentials = BearerCredentials(tok)
		echoed := cut(r, key)
		cookie.set(echoed)
		_, err = c.Configurations.Create(context.Background(), p)
		require.NoError(t, err)
		<-gotCh
		_, err = c.Configurations.Create(context.Background(), p, WithHeader("X-Upstream-Token", tok))
		require.NoError(t, err)
		sent := <-gotCh
		c.CloseIdleConnections()
		require.Equal(t, got{"echo=" + echoed, tok}, sent, "the server gets the real cookie and header")
		view := obs.String()
		require.Contains(t, view, "Cookie:[echo=", "the Observer sees the header, its value scrubbed")
		require.Contains(t, view, "X-Upstream-Token:[")
		requireNoWindow(t, "what the Observer was given", view, []string{key, tok})
	}
}

// F7: a header name WithHeader refuses is quoted in the ParamError; when it
// holds the key or a credential (the arguments swapped), the error, its
// log and what the Observer is given do not show it, and the error still
// names the header as the field.
func TestRefusedHeaderNameHoldsNoSecret(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 47))
	srv := echoServer(t, func(w http.ResponseWriter, _ *http.Request) {
		t.Error("a refused call reached the server")
	})
	for round := range 100 {
		key := "fk_live_" + randomSecret(r, 16+r.IntN(24), alnum)
		tok := randomSecret(r, 12+r.IntN(24), alnum+"/=+")
		tok = tok[:r.IntN(len(tok))] + "/" + tok[r.IntN(len(tok)):]
		name := tok
		if round%2 == 1 {
			name = key + "/" + randomSecret(r, 1+r.IntN(6), alnum)
		}
		var logs bytes.Buffer
		obs := &tellAll{}
		c, err := NewClient(WithAPIKey(key), WithBaseURL(srv.URL), WithObserver(obs),
			WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		require.NoError(t, err)
		p := validParams()
		p.Credentials = BearerCredentials(tok)
		var resp Response
		_, err = c.Configurations.Create(context.Background(), p, WithHeader(name, "X-Upstream-Token"), WithResponseInto(&resp))
		var pe *ParamError
		require.ErrorAs(t, err, &pe)
		require.ErrorIs(t, err, ErrInvalidParams)
		require.True(t, strings.HasPrefix(pe.Field, "header "), pe.Field)
		require.Contains(t, err.Error(), "is not a valid header name")
		secrets := []string{key, tok}
		requireNoWindow(t, "the error and the Response", outputs(err, &resp), secrets)
		requireNoWindow(t, "the log records", logs.String(), secrets)
		requireNoWindow(t, "what the Observer was given", obs.String(), secrets)
	}
}
