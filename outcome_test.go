package freddy

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keylessServer is a scripted Freddy API that ignores Idempotency-Key, as
// a server may: the API reference does not document the header. Request n
// (counting every request) is answered by script[n] (the last repeats):
// "create" stores the configuration and answers 201, "create+drop" stores
// it and drops the connection before answering, "drop" drops without
// storing, and any other step is a status code sent with the 500 fixture
// body. GET lists what is stored.
type keylessServer struct {
	mu     sync.Mutex
	script []string
	n      int
	stored []map[string]any
	srv    *httptest.Server
}

func newKeylessServer(t *testing.T, script ...string) *keylessServer {
	k := &keylessServer{script: script}
	errBody := fixture(t, "error_500.json")
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		k.mu.Lock()
		defer k.mu.Unlock()
		if r.Method == http.MethodGet {
			_ = json.NewEncoder(w).Encode(append([]map[string]any{}, k.stored...))
			return
		}
		step := k.script[min(k.n, len(k.script)-1)]
		k.n++
		store := func() map[string]any {
			var cfg map[string]any
			_ = json.Unmarshal(body, &cfg)
			cfg["id"] = "pconf_" + strconv.Itoa(len(k.stored)+1)
			delete(cfg, "credentials")
			k.stored = append(k.stored, cfg)
			return cfg
		}
		switch step {
		case "create":
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(store())
		case "create+drop", "drop":
			if step == "create+drop" {
				store()
			}
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		default:
			status, _ := strconv.Atoi(step)
			w.WriteHeader(status)
			_, _ = w.Write(errBody)
		}
	}))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *keylessServer) client(t *testing.T) *Client {
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(k.srv.URL), fastRetries)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func (k *keylessServer) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.stored)
}

// findByName is what docs/reference.md tells a caller to do after ErrOutcomeUnknown
// before creating again by hand.
func findByName(t *testing.T, c *Client, name string) []*Configuration {
	var out []*Configuration
	for cfg, err := range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{}) {
		require.NoError(t, err)
		if cfg.Name == name {
			out = append(out, cfg)
		}
	}
	return out
}

// Every failed Create says whether the server may have acted, against a
// server that ignores the Idempotency-Key.
func TestOutcomeUnknownOnCreate(t *testing.T) {
	for _, tt := range []struct {
		name        string
		script      []string
		unknown     bool
		wantErr     error
		wantStored  int
		description string
	}{
		{"answer lost, then 5xx", []string{"create+drop", "500"}, true, ErrServer, 1, "created, though the caller saw only failures"},
		{"5xx on every attempt", []string{"503"}, true, ErrServer, 0, "a 5xx may come after the server acted"},
		{"connection dropped on every attempt", []string{"drop"}, true, nil, 0, "a lost answer may follow the server's act"},
		{"5xx, then refused", []string{"500", "400"}, true, ErrValidation, 0, "the 5xx attempt may have acted"},
		{"refused", []string{"400"}, false, ErrValidation, 0, "nothing was done"},
		{"rate limited", []string{"429"}, false, ErrRateLimited, 0, "nothing was done"},
		{"not implemented is a 5xx too", []string{"501"}, true, ErrServer, 0, "the SDK cannot know"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := newKeylessServer(t, tt.script...)
			c := k.client(t)
			_, err := c.Configurations.Create(context.Background(), validParams())
			require.Error(t, err)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			}
			assert.Equal(t, tt.unknown, errors.Is(err, ErrOutcomeUnknown), "%s: %v", tt.description, err)
			assert.Equal(t, tt.wantStored, k.count())
			if tt.unknown {
				// What docs/reference.md says to do: look it up before creating again.
				assert.Len(t, findByName(t, c, validParams().Name), tt.wantStored)
			}
		})
	}
}

// A key-ignoring server turns a lost answer and a successful retry into a
// duplicate: the SDK's Idempotency-Key cannot prevent it, which is what
// docs/reference.md says.
func TestKeylessServerDuplicatesAfterALostAnswer(t *testing.T) {
	k := newKeylessServer(t, "create+drop", "create")
	c := k.client(t)
	_, err := c.Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	assert.Equal(t, 2, k.count())
	assert.Len(t, findByName(t, c, validParams().Name), 2)
}

// A connection that was never made sent nothing: the outcome is known.
func TestOutcomeKnownWhenNothingWasSent(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(url), fastRetries)
	require.NoError(t, err)
	_, err = c.Configurations.Create(context.Background(), validParams())
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
}

// Every write says so; reads never do.
func TestOutcomeUnknownOnEveryWrite(t *testing.T) {
	writes := writeCalls()
	for name, call := range writes {
		t.Run(name, func(t *testing.T) {
			err := call(newKeylessServer(t, "drop", "500").client(t))
			require.ErrorIs(t, err, ErrServer)
			require.ErrorIs(t, err, ErrOutcomeUnknown)
			err = call(newKeylessServer(t, "404").client(t))
			require.ErrorIs(t, err, ErrNotFound)
			require.NotErrorIs(t, err, ErrOutcomeUnknown)
		})
	}
	t.Run("Get", func(t *testing.T) {
		rt := script(fail(io.ErrUnexpectedEOF), reply(500, fixture(t, "error_500.json")))
		_, err := newClient(t, rt, fastRetries).Configurations.Get(context.Background(), "pconf_1")
		require.ErrorIs(t, err, ErrServer)
		require.NotErrorIs(t, err, ErrOutcomeUnknown)
	})
}

// A 3xx net/http does not follow (a 303 without Location, a 300, a 304)
// answering a write: the server received it and may have acted (a 303
// follows a create). A read so answered changed nothing.
func TestOutcomeUnknownOnAnUnfollowedRedirect(t *testing.T) {
	for _, status := range []int{300, 301, 302, 303, 304, 307} {
		rt := script(reply(status, nil))
		_, err := newClient(t, rt, WithMaxRetries(0)).Configurations.Create(context.Background(), validParams())
		require.Error(t, err, "%d", status)
		assert.ErrorIs(t, err, ErrOutcomeUnknown, "Create answered %d", status)
		rt = script(reply(status, nil))
		_, err = newClient(t, rt, WithMaxRetries(0)).Configurations.Get(context.Background(), "pconf_1")
		require.Error(t, err, "%d", status)
		assert.NotErrorIs(t, err, ErrOutcomeUnknown, "Get answered %d", status)
	}
}

// A hand-built test double can say so too.
func TestOutcomeUnknownOnAHandBuiltError(t *testing.T) {
	var err error = &ServerError{APIError: APIError{StatusCode: 500, OutcomeUnknown: true}}
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	require.ErrorIs(t, err, ErrServer)
	require.ErrorIs(t, &RequestError{OutcomeUnknown: true}, ErrOutcomeUnknown)
	require.NotErrorIs(t, &ServerError{}, ErrOutcomeUnknown)
}

var updName = "n"

// A write answered 2xx in a shape the SDK cannot read was sent and answered
// a success: the server may have acted. A read so answered changed nothing.
func TestOutcomeUnknownOnAnUndecodableWriteAnswer(t *testing.T) {
	for _, tt := range []struct {
		name    string
		status  int
		body    string
		call    func(c *Client) error
		unknown bool
	}{
		{"Create 200 with data a string", 200, `{"success":true,"data":"pconf_abc123"}`, func(c *Client) error {
			_, err := c.Configurations.Create(context.Background(), validParams())
			return err
		}, true},
		{"Delete 202 Accepted", 202, ``, func(c *Client) error { return c.Configurations.Delete(context.Background(), "pconf_1") }, true},
		{"Update 200 not JSON", 200, `<html>`, func(c *Client) error {
			_, err := c.Configurations.Update(context.Background(), "pconf_1", UpdateConfigurationParams{Name: &updName})
			return err
		}, true},
		{"Get 200 with data a string", 200, `{"success":true,"data":"pconf_abc123"}`, func(c *Client) error {
			_, err := c.Configurations.Get(context.Background(), "pconf_1")
			return err
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(newClient(t, script(reply(tt.status, []byte(tt.body))), WithMaxRetries(0)))
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tt.unknown, errors.Is(err, ErrOutcomeUnknown))
			assert.Equal(t, tt.unknown, de.OutcomeUnknown)
		})
	}
}
