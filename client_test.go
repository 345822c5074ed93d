package freddy

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewClientReadsEnvironment(t *testing.T) {
	t.Setenv(EnvAPIKey, testAPIKey)
	t.Setenv(EnvBaseURL, "https://env.example.com/prefix/")
	c, err := NewClient()
	require.NoError(t, err)
	assert.Equal(t, "https://env.example.com/prefix"+configurationsPath, c.core.endpoint)
	assert.Equal(t, []string{testAPIKey}, c.core.apiKey())

	c, err = NewClient(WithAPIKey("fk_option_key"), WithBaseURL("https://opt.example.com"))
	require.NoError(t, err)
	assert.Equal(t, "https://opt.example.com"+configurationsPath, c.core.endpoint, "options override the environment")
	assert.Equal(t, []string{"fk_option_key"}, c.core.apiKey())

	t.Setenv(EnvBaseURL, "")
	c, err = NewClient()
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL+configurationsPath, c.core.endpoint)
}

func TestNewClientDefaults(t *testing.T) {
	c, err := NewClient(WithAPIKey(testAPIKey))
	require.NoError(t, err)
	p := c.core.policy
	assert.Equal(t, 2, p.MaxRetries)
	assert.Equal(t, 500*time.Millisecond, p.WaitMin)
	assert.Equal(t, 8*time.Second, p.WaitMax)
	assert.Equal(t, 10*time.Second, p.MaxWait)
	assert.Equal(t, MinAttemptTime, p.MinAttempt)
	assert.Equal(t, DefaultRetryBudget, p.Budget.Tokens())
	tr, ok := c.core.transport.(*http.Transport)
	require.True(t, ok)
	assert.Equal(t, DefaultMaxConnsPerHost, tr.MaxIdleConnsPerHost)
	assert.Equal(t, DefaultMaxConnsPerHost, tr.MaxConnsPerHost)
	assert.True(t, tr.ForceAttemptHTTP2)
}

func TestNewClientErrors(t *testing.T) {
	t.Setenv(EnvAPIKey, "")
	t.Setenv(EnvBaseURL, "")
	tests := []struct {
		name string
		opts []Option
		want []string
	}{
		{"no key", nil, []string{"FREDDY_API_KEY", "WithAPIKey"}},
		{"key with newline", []Option{WithAPIKey(testAPIKey + "\n")}, []string{"API key", "HTTP header"}},
		{"http to remote host", []Option{WithAPIKey(testAPIKey), WithBaseURL("http://api.aitronos.com")}, []string{"plain http", "unencrypted", "https"}},
		{"ftp", []Option{WithAPIKey(testAPIKey), WithBaseURL("ftp://x")}, []string{"scheme"}},
		{"relative", []Option{WithAPIKey(testAPIKey), WithBaseURL("/v1")}, []string{"scheme"}},
		{"no host", []Option{WithAPIKey(testAPIKey), WithBaseURL("https://")}, []string{"missing host"}},
		{"user info", []Option{WithAPIKey(testAPIKey), WithBaseURL("https://user:" + testCredential + "@api.example.com")}, []string{"user info"}},
		{"query", []Option{WithAPIKey(testAPIKey), WithBaseURL("https://api.example.com?x=1")}, []string{"query"}},
		{"bad URL", []Option{WithAPIKey(testAPIKey), WithBaseURL("https://a b\x7f")}, []string{"not a valid URL"}},
		{"negative retries", []Option{WithAPIKey(testAPIKey), WithMaxRetries(-1)}, []string{"WithMaxRetries"}},
		{"retry wait order", []Option{WithAPIKey(testAPIKey), WithRetryWait(time.Second, time.Millisecond)}, []string{"WithRetryWait"}},
		{"zero max wait", []Option{WithAPIKey(testAPIKey), WithMaxRetryWait(0)}, []string{"WithMaxRetryWait"}},
		{"zero timeout", []Option{WithAPIKey(testAPIKey), WithTimeout(0)}, []string{"WithTimeout"}},
		{"budget without cost", []Option{WithAPIKey(testAPIKey), WithRetryBudget(10, 0)}, []string{"WithRetryBudget"}},
		{"budget below its cost", []Option{WithAPIKey(testAPIKey), WithRetryBudget(4, 5)}, []string{"WithRetryBudget(4, 5)", "capacity >= cost"}},
		{"negative budget", []Option{WithAPIKey(testAPIKey), WithRetryBudget(-1, 5)}, []string{"WithRetryBudget"}},
		{"empty budget with a cost", []Option{WithAPIKey(testAPIKey), WithRetryBudget(0, 5)}, []string{"WithRetryBudget(0, 5)", "0, 0 to disable"}},
		{"backoff min above the max wait", []Option{WithAPIKey(testAPIKey), WithRetryWait(20*time.Second, time.Minute)}, []string{"WithRetryWait", "WithMaxRetryWait"}},
		{"base URL ending in /V1", []Option{WithAPIKey(testAPIKey), WithBaseURL("https://api.aitronos.com/V1")}, []string{"/v1"}},
		{"explicit empty base URL", []Option{WithAPIKey(testAPIKey), WithBaseURL("")}, []string{"WithBaseURL", "empty"}},
		{"base URL ending in /v1", []Option{WithAPIKey(testAPIKey), WithBaseURL("https://api.aitronos.com/v1")}, []string{"/v1", "adds itself"}},
		{"base URL ending in /v1/", []Option{WithAPIKey(testAPIKey), WithBaseURL("https://api.aitronos.com/v1/")}, []string{"/v1", "adds itself"}},
		{"prefixed base URL ending in /v1", []Option{WithAPIKey(testAPIKey), WithBaseURL("https://gw.example.com/proxy/v1")}, []string{"/v1"}},
		{"user agent", []Option{WithAPIKey(testAPIKey), WithUserAgent("a\r\nX-Evil: 1")}, []string{"WithUserAgent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "freddy: "))
			requireNoSecret(t, err.Error())
		})
	}
}

func TestNewClientAcceptsLoopbackHTTP(t *testing.T) {
	for _, u := range []string{"http://localhost:8080", "http://127.0.0.1:1", "http://127.8.9.10", "http://[::1]:9", "https://api.aitronos.com", "HTTPS://API.AITRONOS.COM/base"} {
		_, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(u))
		assert.NoError(t, err, u)
	}
}

func TestBaseURLPrefixes(t *testing.T) {
	for base, want := range map[string]string{
		"https://gw.example.com/proxy":     "https://gw.example.com/proxy" + configurationsPath,
		"https://gw.example.com/proxy/":    "https://gw.example.com/proxy" + configurationsPath,
		"https://gw.example.com/v10":       "https://gw.example.com/v10" + configurationsPath,
		"https://gw.example.com/v1/proxy/": "https://gw.example.com/v1/proxy" + configurationsPath,
	} {
		c, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(base))
		require.NoError(t, err, base)
		assert.Equal(t, want, c.core.endpoint)
	}
	t.Run("an unset or empty environment variable keeps the default", func(t *testing.T) {
		t.Setenv(EnvBaseURL, "")
		c, err := NewClient(WithAPIKey(testAPIKey))
		require.NoError(t, err)
		assert.Equal(t, DefaultBaseURL+configurationsPath, c.core.endpoint)
	})
	t.Run("an environment variable ending in /v1 is refused too", func(t *testing.T) {
		t.Setenv(EnvBaseURL, "https://api.aitronos.com/v1")
		_, err := NewClient(WithAPIKey(testAPIKey))
		require.Error(t, err)
		assert.Contains(t, err.Error(), EnvBaseURL)
	})
}

func TestNewClientIgnoresNilOptions(t *testing.T) {
	c, err := NewClient(nil, WithAPIKey(testAPIKey))
	require.NoError(t, err)
	_, err = c.Configurations.Create(context.Background(), CreateConfigurationParams{}, nil)
	require.ErrorIs(t, err, ErrInvalidParams)
}

func TestWithHTTPClientIsCopiedNotModified(t *testing.T) {
	rt := script(reply(200, fixture(t, "create_200.json")))
	redirect := func(*http.Request, []*http.Request) error { return nil }
	hc := &http.Client{Transport: rt, Timeout: time.Hour, CheckRedirect: redirect}
	c := newClient(t, nil, WithHTTPClient(hc), WithTimeout(3*time.Second))
	_, err := c.Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	assert.Len(t, rt.requests(), 1, "the caller's transport carries the requests")
	assert.Equal(t, time.Hour, hc.Timeout, "the caller's client is not modified")
	assert.NotNil(t, hc.CheckRedirect)
	assert.Zero(t, c.core.httpClient.Timeout, "WithTimeout applies per attempt instead")
}

func TestHTTPClientTimeoutBecomesThePerAttemptTimeout(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		opts    []Option
		want    time.Duration
	}{
		{"hc.Timeout without WithTimeout", 3 * time.Second, nil, 3 * time.Second},
		{"WithTimeout wins over hc.Timeout", time.Hour, []Option{WithTimeout(2 * time.Second)}, 2 * time.Second},
		{"neither: the default", 0, nil, DefaultTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(hang, reply(200, fixture(t, "create_200.json")))
				c := newClient(t, nil, append([]Option{WithHTTPClient(&http.Client{Transport: rt, Timeout: tt.timeout})}, tt.opts...)...)
				_, err := c.Configurations.Create(context.Background(), validParams())
				require.NoError(t, err)
				// The wait after the timed-out attempt is the minimum backoff at jitter 0.
				assert.Equal(t, []time.Duration{tt.want + DefaultRetryWaitMin}, gaps(rt.requests()))
			})
		})
	}
}

func TestClientNeverPrintsAPIKey(t *testing.T) {
	c := newClient(t, script(reply(200, nil)))
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%T"} {
		values := []any{c, *c, c.Configurations, *c.Configurations, c.core, []any{c}, struct{ C *Client }{c},
			struct{ c Client }{*c}, struct{ s ConfigurationsService }{*c.Configurations}, map[string]any{"c": c}}
		for _, v := range values {
			out := fmt.Sprintf(verb, v)
			requireNoSecret(t, out)
		}
	}
	assert.Equal(t, "freddy.Client{endpoint: "+testEndpoint+"}", fmt.Sprint(c))
	assert.Equal(t, "freddy.Client{}", Client{}.String())
}
