package freddy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLifecycleRequestsAndResponses(t *testing.T) {
	get := fixture(t, "get_200.json")
	base := configurationsPath + "/pconf_abc123"
	tests := []struct {
		name       string
		answer     []byte
		call       func(c *Client) (any, error)
		method     string
		path       string
		query      string
		body       string
		check      func(t *testing.T, got any)
		hasPayload bool
	}{
		{"Get", get, func(c *Client) (any, error) { return c.Configurations.Get(context.Background(), "pconf_abc123") },
			"GET", base, "", "", func(t *testing.T, got any) { assert.Equal(t, "My Backend Repo", got.(*Configuration).Name) }, false},
		{"List with every filter", fixture(t, "list_200.json"), func(c *Client) (any, error) {
			return c.Configurations.List(context.Background(), ListConfigurationsParams{PersonalConnectorID: "pcon_git hub&x", Enabled: Bool(false),
				HealthStatus: HealthStatusUnhealthy, Limit: 50, After: "pconf_1"})
		}, "GET", configurationsPath, "personalConnectorId=pcon_git+hub%26x&enabled=false&healthStatus=unhealthy&limit=50&after=pconf_1", "",
			func(t *testing.T, got any) { assert.Len(t, got.(*ConfigurationPage).Data, 1) }, false},
		{"List without filters", fixture(t, "list_200.json"), func(c *Client) (any, error) {
			return c.Configurations.List(context.Background(), ListConfigurationsParams{})
		}, "GET", configurationsPath, "", "", func(t *testing.T, got any) { assert.False(t, got.(*ConfigurationPage).HasMore) }, false},
		{"Update", get, func(c *Client) (any, error) {
			return c.Configurations.Update(context.Background(), "pconf_abc123", UpdateConfigurationParams{
				Name: String("New"), Description: String(""), Configuration: map[string]any{"branch": "dev"}, Metadata: map[string]any{},
				Credentials: BearerCredentials(testCredential)})
		}, "PATCH", base, "", `{"name":"New","description":"","configuration":{"branch":"dev"},"metadata":{},"credentials":{"type":"bearer","token":"` + testCredential + `"}}`,
			func(t *testing.T, got any) { assert.Equal(t, "pconf_abc123", got.(*Configuration).ID) }, true},
		{"Update, one field", get, func(c *Client) (any, error) {
			return c.Configurations.Update(context.Background(), "pconf_abc123", UpdateConfigurationParams{Metadata: map[string]any{"a": 1}})
		}, "PATCH", base, "", `{"metadata":{"a":1}}`, nil, true},
		{"SetEnabled false", get, func(c *Client) (any, error) {
			return c.Configurations.SetEnabled(context.Background(), "pconf_abc123", false)
		},
			"POST", base + "/toggle", "", `{"enabled":false}`, nil, true},
		{"SetEnabled true", get, func(c *Client) (any, error) {
			return c.Configurations.SetEnabled(context.Background(), "pconf_abc123", true)
		},
			"POST", base + "/toggle", "", `{"enabled":true}`, nil, true},
		{"Test", fixture(t, "test_unhealthy.json"), func(c *Client) (any, error) { return c.Configurations.Test(context.Background(), "pconf_abc123") },
			"POST", base + "/test", "", "", func(t *testing.T, got any) {
				assert.Equal(t, HealthStatusUnhealthy, got.(*TestResult).Status, "unhealthy is a result, not an error")
			}, false},
		{"Delete", fixture(t, "delete_200.json"), func(c *Client) (any, error) {
			return nil, c.Configurations.Delete(context.Background(), "pconf_abc123")
		},
			"DELETE", base, "", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := script(reply(200, tt.answer))
			c := newClient(t, rt)
			got, err := tt.call(c)
			require.NoError(t, err)
			require.Len(t, rt.requests(), 1)
			r := rt.requests()[0]
			assert.Equal(t, tt.method, r.method)
			assert.Equal(t, tt.path, r.path)
			assert.Equal(t, tt.query, r.query)
			if tt.body == "" {
				assert.Empty(t, r.body)
			} else {
				assert.JSONEq(t, tt.body, r.body)
			}
			assert.Equal(t, testAPIKey, r.header.Get("X-API-Key"))
			assert.Empty(t, r.header.Values("Idempotency-Key"), "only Create sends Idempotency-Key")
			assert.Equal(t, tt.hasPayload, r.header.Get("Content-Type") == "application/json", "Content-Type only with a body")
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func TestIDsArePathEscaped(t *testing.T) {
	for id, want := range map[string]string{
		"pconf_abc123": "/pconf_abc123",
		"a b":          "/a%20b",
		"a;b,c":        "/a%3Bb%2Cc",
		"100%":         "/100%25",
		"ünï":          "/%C3%BCn%C3%AF",
		"...":          "/...",
	} {
		rt := script(reply(200, fixture(t, "get_200.json")))
		_, err := newClient(t, rt).Configurations.Get(context.Background(), id)
		require.NoError(t, err, id)
		assert.Equal(t, configurationsPath+want, rt.requests()[0].rawPath, id)
		assert.Equal(t, configurationsPath+"/"+id, rt.requests()[0].path, id)
	}
}

func TestBadIDsSendNothing(t *testing.T) {
	ops := map[string]func(c *Client, id string) error{
		"Get": func(c *Client, id string) error { _, err := c.Configurations.Get(context.Background(), id); return err },
		"Update": func(c *Client, id string) error {
			_, err := c.Configurations.Update(context.Background(), id, UpdateConfigurationParams{Name: String("n")})
			return err
		},
		"SetEnabled": func(c *Client, id string) error {
			_, err := c.Configurations.SetEnabled(context.Background(), id, true)
			return err
		},
		"Test": func(c *Client, id string) error {
			_, err := c.Configurations.Test(context.Background(), id)
			return err
		},
		"Delete": func(c *Client, id string) error { return c.Configurations.Delete(context.Background(), id) },
	}
	for name, call := range ops {
		for _, id := range []string{"", ".", "..", "a/b", "../pconf_1", "a?x=1", "a#frag", "a\nb", "a\x00", "a\x7f", "a\u0085b", "\t"} {
			mt := newMock(t)
			err := call(newClient(t, mt), id)
			var pe *ParamError
			require.ErrorAs(t, err, &pe, "%s(%q)", name, id)
			assert.Equal(t, "id", pe.Field)
			assert.ErrorIs(t, err, ErrInvalidParams)
			assert.Zero(t, mt.GetTotalCallCount(), "%s(%q) sent a request", name, id)
		}
	}
}

func TestParamsValidation(t *testing.T) {
	tests := []struct {
		name  string
		call  func(c *Client) error
		field string
	}{
		{"limit negative", func(c *Client) error {
			_, err := c.Configurations.List(context.Background(), ListConfigurationsParams{Limit: -1})
			return err
		}, "limit"},
		{"limit over 100", func(c *Client) error {
			_, err := c.Configurations.List(context.Background(), ListConfigurationsParams{Limit: 101})
			return err
		}, "limit"},
		{"unknown health status", func(c *Client) error {
			_, err := c.Configurations.List(context.Background(), ListConfigurationsParams{HealthStatus: "Healthy"})
			return err
		}, "healthStatus"},
		{"empty update", func(c *Client) error {
			_, err := c.Configurations.Update(context.Background(), "pconf_1", UpdateConfigurationParams{})
			return err
		}, "params"},
		{"empty name", func(c *Client) error {
			_, err := c.Configurations.Update(context.Background(), "pconf_1", UpdateConfigurationParams{Name: String("")})
			return err
		}, "name"},
		{"unencodable update", func(c *Client) error {
			_, err := c.Configurations.Update(context.Background(), "pconf_1", UpdateConfigurationParams{Metadata: map[string]any{"c": make(chan int)}})
			return err
		}, "metadata"},
		{"nil context", func(c *Client) error {
			//lint:ignore SA1012 the nil context is the input under test
			_, err := c.Configurations.Get(nil, "pconf_1") //nolint:staticcheck
			return err
		}, "ctx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt := newMock(t)
			err := tt.call(newClient(t, mt))
			var pe *ParamError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field)
			assert.Zero(t, mt.GetTotalCallCount())
		})
	}
}

// pager serves total configurations, in pages, as a list endpoint would;
// shape lets a test drop or break the pagination fields.
type pager struct {
	total int
	shape func(items []string, hasMore bool, last string) string
	fail  map[int]int // page number -> status
	reqs  atomic.Int32
	seen  []string // queries
}

func (p *pager) RoundTrip(r *http.Request) (*http.Response, error) {
	n := int(p.reqs.Add(1))
	p.seen = append(p.seen, r.URL.RawQuery)
	if st, ok := p.fail[n]; ok {
		return response(st, []byte(`{"error":{"code":"bad_request","message":"m","type":"validation_error"}}`)), nil
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit == 0 {
		limit = 20
	}
	start := 0
	if after := q.Get("after"); after != "" {
		start, _ = strconv.Atoi(strings.TrimPrefix(after, "pconf_"))
	}
	var items []string
	last := ""
	for i := start + 1; i <= min(p.total, start+limit); i++ {
		last = "pconf_" + strconv.Itoa(i)
		items = append(items, `{"id":"`+last+`","name":"n`+strconv.Itoa(i)+`"}`)
	}
	hasMore := start+limit < p.total
	shape := p.shape
	if shape == nil {
		shape = documentedPage
	}
	resp := response(200, []byte(shape(items, hasMore, last)))
	resp.Request = r
	return resp, nil
}

func documentedPage(items []string, hasMore bool, last string) string {
	return `{"object":"list","data":[` + strings.Join(items, ",") + `],"lastId":"` + last + `","hasMore":` + strconv.FormatBool(hasMore) + `}`
}

func collect(t *testing.T, seq func(func(*Configuration, error) bool)) (ids []string, errs []error) {
	t.Helper()
	for c, err := range seq {
		if err != nil {
			assert.Nil(t, c, "an error comes with a nil configuration")
			errs = append(errs, err)
			continue
		}
		ids = append(ids, c.ID)
	}
	return ids, errs
}

func TestListAllPagesThroughEverything(t *testing.T) {
	p := &pager{total: 250}
	c := newClient(t, p)
	params := ListConfigurationsParams{PersonalConnectorID: "pcon_github"}
	ids, errs := collect(t, c.Configurations.ListAll(context.Background(), params))
	assert.Empty(t, errs)
	require.Len(t, ids, 250)
	assert.Equal(t, "pconf_1", ids[0])
	assert.Equal(t, "pconf_250", ids[249])
	assert.Equal(t, []string{"personalConnectorId=pcon_github&limit=100", "personalConnectorId=pcon_github&limit=100&after=pconf_100",
		"personalConnectorId=pcon_github&limit=100&after=pconf_200"}, p.seen, "pages of 100 when Limit is 0; the cursor is lastId")
	assert.Equal(t, ListConfigurationsParams{PersonalConnectorID: "pcon_github"}, params, "the caller's params are not changed")
}

func TestListAllBreakSendsNoFurtherRequest(t *testing.T) {
	for _, off := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			p := &pager{total: 1000}
			c := newClient(t, p)
			n := 0
			for cfg, err := range c.Configurations.ListAll(context.Background(), ListConfigurationsParams{Limit: 50, DisablePrefetch: off}) {
				require.NoError(t, err)
				require.NotNil(t, cfg)
				n++
				if n == 75 {
					synctest.Wait()
					break
				}
			}
			synctest.Wait()
			want := int32(3) // page 3 went out when page 2 arrived
			if off {
				want = 2
			}
			assert.Equal(t, want, p.reqs.Load(), "75 items from pages of 50, prefetch off %v: none after the break", off)
		})
	}
}

func TestListAllStopRules(t *testing.T) {
	noMore := func(items []string, _ bool, last string) string {
		return `{"object":"list","data":[` + strings.Join(items, ",") + `],"lastId":"` + last + `"}`
	}
	tests := []struct {
		name  string
		total int
		limit int
		shape func([]string, bool, string) string
		reqs  int32
		items int
	}{
		{"hasMore false on a full page stops", 10, 10, nil, 1, 10},
		{"hasMore absent, short page stops", 25, 10, noMore, 3, 25},
		{"hasMore absent, full pages go on until an empty one", 20, 10, noMore, 3, 20},
		{"bare arrays, no cursor: the last item's ID is the cursor", 25, 10, func(items []string, _ bool, _ string) string { return "[" + strings.Join(items, ",") + "]" }, 3, 25},
		{"snake_case pagination", 25, 10, func(items []string, more bool, last string) string {
			return `{"data":[` + strings.Join(items, ",") + `],"last_id":"` + last + `","has_more":` + strconv.FormatBool(more) + `}`
		}, 3, 25},
		{"hasMore true on an empty page stops", 0, 10, func(items []string, _ bool, _ string) string {
			return `{"data":[` + strings.Join(items, ",") + `],"hasMore":true}`
		}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &pager{total: tt.total, shape: tt.shape}
			ids, errs := collect(t, newClient(t, p).Configurations.ListAll(context.Background(), ListConfigurationsParams{Limit: tt.limit}))
			assert.Empty(t, errs)
			assert.Len(t, ids, tt.items)
			assert.Equal(t, tt.reqs, p.reqs.Load())
		})
	}
}

func TestListAllRepeatedCursorEndsWithAnError(t *testing.T) {
	for name, tt := range map[string]struct {
		body  string
		items int
	}{
		"same lastId every page":                        {`{"data":[{"id":"pconf_1"},{"id":"pconf_2"}],"lastId":"pconf_2","hasMore":true}`, 2},
		"cursor sent comes back":                        {`{"data":[{"id":"pconf_9"}],"lastId":"start","hasMore":true}`, 0},
		"a server that ignores after and names the key": {`{"data":[{"id":"pconf_1"}],"lastId":"` + testAPIKey + `","hasMore":true}`, 1},
	} {
		t.Run(name, func(t *testing.T) {
			rt := script(reply(200, []byte(tt.body)))
			ids, errs := collect(t, newClient(t, rt).Configurations.ListAll(context.Background(), ListConfigurationsParams{After: "start"}))
			require.Len(t, errs, 1)
			assert.Contains(t, errs[0].Error(), "repeats a cursor (lastId) already sent")
			requireNoSecret(t, errs[0].Error())
			assert.LessOrEqual(t, len(rt.requests()), 2)
			assert.Len(t, ids, tt.items, "the repeated page's items are not yielded again")
		})
	}
}

func TestListAllErrorsAreYieldedOnce(t *testing.T) {
	t.Run("a failed page", func(t *testing.T) {
		p := &pager{total: 500, fail: map[int]int{2: 400}}
		ids, errs := collect(t, newClient(t, p).Configurations.ListAll(context.Background(), ListConfigurationsParams{}))
		assert.Len(t, ids, 100)
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], ErrValidation)
		assert.Equal(t, int32(2), p.reqs.Load())
	})
	t.Run("bad params", func(t *testing.T) {
		p := &pager{total: 5}
		_, errs := collect(t, newClient(t, p).Configurations.ListAll(context.Background(), ListConfigurationsParams{Limit: 500}))
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], ErrInvalidParams)
		assert.Zero(t, p.reqs.Load())
	})
	for _, off := range []bool{false, true} {
		t.Run(fmt.Sprintf("the context ends between pages, prefetch off %v", off), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &pager{total: 500}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				n := 0
				var errs []error
				for _, err := range newClient(t, p).Configurations.ListAll(ctx, ListConfigurationsParams{DisablePrefetch: off}) {
					if err != nil {
						errs = append(errs, err)
						continue
					}
					if n++; n == 100 {
						// The page fetched ahead has arrived.
						synctest.Wait()
						cancel()
					}
				}
				assert.Equal(t, 100, n, "no item of a page after the context ended, fetched or not")
				require.Len(t, errs, 1)
				assert.ErrorIs(t, errs[0], context.Canceled)
				want := int32(2) // the second page went out when the first arrived
				if off {
					want = 1 // the context is checked before the next page
				}
				assert.Equal(t, want, p.reqs.Load())
			})
		})
	}
}

func TestDeleteOutcomes(t *testing.T) {
	notFound := fixture(t, "error_404_short.json")
	tests := []struct {
		name  string
		steps []func(*http.Request) (*http.Response, error)
		check func(t *testing.T, err error)
		reqs  int
	}{
		{"204", []func(*http.Request) (*http.Response, error){reply(204, nil)}, func(t *testing.T, err error) { assert.NoError(t, err) }, 1},
		{"200 bare", []func(*http.Request) (*http.Response, error){reply(200, fixture(t, "delete_200.json"))}, func(t *testing.T, err error) { assert.NoError(t, err) }, 1},
		{"200 enveloped", []func(*http.Request) (*http.Response, error){reply(200, []byte(envelope(`{"deleted":true}`)))}, func(t *testing.T, err error) { assert.NoError(t, err) }, 1},
		{"200 deleted false", []func(*http.Request) (*http.Response, error){reply(200, []byte(`{"deleted":false}`))}, func(t *testing.T, err error) {
			var de *DecodeError
			assert.ErrorAs(t, err, &de)
		}, 1},
		{"direct 404", []func(*http.Request) (*http.Response, error){reply(404, notFound)}, func(t *testing.T, err error) {
			var nf *NotFoundError
			require.ErrorAs(t, err, &nf)
			assert.Equal(t, "configuration_not_found", nf.Code)
		}, 1},
		{"404 after a lost response: the first attempt deleted it", []func(*http.Request) (*http.Response, error){fail(io.ErrUnexpectedEOF), reply(404, notFound)},
			func(t *testing.T, err error) { assert.NoError(t, err) }, 2},
		{"404 after a timed-out attempt", []func(*http.Request) (*http.Response, error){hang, reply(404, notFound)},
			func(t *testing.T, err error) { assert.NoError(t, err) }, 2},
		{"404 after a 503 is still a 404", []func(*http.Request) (*http.Response, error){reply(503, nil), reply(404, notFound)},
			func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrNotFound) }, 2},
		{"404 after an attempt that never connected is still a 404", []func(*http.Request) (*http.Response, error){
			fail(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), reply(404, notFound)},
			func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrNotFound) }, 2},
		{"404 after a dial that timed out is still a 404", []func(*http.Request) (*http.Response, error){
			func(r *http.Request) (*http.Response, error) {
				<-r.Context().Done()
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: r.Context().Err()}
			}, reply(404, notFound)},
			func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrNotFound) }, 2},
		{"404 after a refused proxy is still a 404", []func(*http.Request) (*http.Response, error){
			fail(&net.OpError{Op: "proxyconnect", Net: "tcp", Err: syscall.ECONNREFUSED}), reply(404, notFound)},
			func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrNotFound) }, 2},
		{"404 after a failed DNS lookup is still a 404", []func(*http.Request) (*http.Response, error){
			fail(&net.DNSError{Err: "no such host", Name: "api.test.invalid", IsTemporary: true}), reply(404, notFound)},
			func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrNotFound) }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := script(tt.steps...)
				err := newClient(t, rt, WithTimeout(time.Second)).Configurations.Delete(context.Background(), "pconf_abc123")
				tt.check(t, err)
				assert.Len(t, rt.requests(), tt.reqs)
			})
		})
	}
}

func TestLifecycleOperationsRetryUnderTheSamePolicy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := script(reply(503, nil, "Retry-After", "1"), fail(io.ErrUnexpectedEOF), reply(200, fixture(t, "get_200.json")))
		c := newClient(t, rt)
		var resp Response
		got, err := c.Configurations.Get(context.Background(), "pconf_abc123", WithResponseInto(&resp), WithIdempotencyKey("ignored"))
		require.NoError(t, err)
		assert.Equal(t, "pconf_abc123", got.ID)
		assert.Equal(t, 3, resp.Attempts)
		assert.Equal(t, []time.Duration{time.Second, 2 * DefaultRetryWaitMin}, gaps(rt.requests()))
		for _, r := range rt.requests() {
			assert.Empty(t, r.header.Values("Idempotency-Key"))
		}
		assert.Empty(t, resp.IdempotencyKey)
	})
}

func TestWithHeader(t *testing.T) {
	rt := script(reply(200, fixture(t, "get_200.json")))
	c := newClient(t, rt)
	_, err := c.Configurations.Get(context.Background(), "pconf_1", WithHeader("x-trace", "abc"), WithHeader("Accept-Language", "de"), WithHeader("User-Agent", "mine/1"))
	require.NoError(t, err)
	h := rt.requests()[0].header
	assert.Equal(t, "abc", h.Get("X-Trace"))
	assert.Equal(t, "de", h.Get("Accept-Language"))
	assert.Equal(t, "mine/1", h.Get("User-Agent"))
	assert.Equal(t, testAPIKey, h.Get("X-API-Key"))

	for _, tt := range []struct{ key, value, field string }{
		{"X-API-Key", "other", "header X-Api-Key"},
		{"x-api-key", "other", "header X-Api-Key"},
		{"Idempotency-Key", "k", "header Idempotency-Key"},
		{"content-type", "text/plain", "header Content-Type"},
		{"Host", "evil.example", "header Host"},
		{"Content-Length", "0", "header Content-Length"},
		{"Bad Name", "v", `header "Bad Name"`},
		{"", "v", `header ""`},
		{"X-Split", "a\r\nX-Evil: 1", "header X-Split"},
	} {
		mt := newMock(t)
		_, err := newClient(t, mt).Configurations.Create(context.Background(), validParams(), WithHeader(tt.key, tt.value))
		var pe *ParamError
		require.ErrorAs(t, err, &pe, tt.key)
		assert.Equal(t, tt.field, pe.Field)
		assert.Zero(t, mt.GetTotalCallCount())
	}
}

func TestWithResponseInto(t *testing.T) {
	t.Run("success, both rate-limit families, metadata headers", func(t *testing.T) {
		rt := script(reply(200, fixture(t, "create_200.json"),
			"X-Request-Id", "req_meta", "Freddy-Api-Version", "2025-01-01", "Freddy-Processing-Ms", "12.5",
			"x-ratelimit-limit-requests", "60", "x-ratelimit-remaining-requests", "59", "x-ratelimit-reset-requests", "1s",
			"X-Echo", "you sent "+testAPIKey,
		))
		var resp Response
		_, err := newClient(t, rt).Configurations.Create(context.Background(), validParams(), WithIdempotencyKey("idem-meta"), WithResponseInto(&resp))
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "req_meta", resp.RequestID)
		assert.Equal(t, "2025-01-01", resp.APIVersion)
		assert.Equal(t, 12500*time.Microsecond, resp.ProcessingTime)
		assert.Equal(t, 60, resp.RateLimit.Limit)
		assert.Equal(t, 59, resp.RateLimit.Remaining)
		assert.WithinDuration(t, time.Now().Add(time.Second), resp.RateLimit.ResetAt, time.Second)
		assert.Equal(t, 1, resp.Attempts)
		assert.Equal(t, "idem-meta", resp.IdempotencyKey)
		assert.Equal(t, "you sent ***REDACTED***", resp.Header.Get("X-Echo"), "an echoed key is redacted")
	})
	t.Run("failure: the last attempt", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt := script(reply(500, nil, "X-Request-Id", "req_1"), reply(429, body429("1"), "X-Request-Id", "req_2", "X-RateLimit-Limit", "5"))
			var resp Response
			_, err := newClient(t, rt, WithMaxRetries(1)).Configurations.Get(context.Background(), "pconf_1", WithResponseInto(&resp))
			assert.ErrorIs(t, err, ErrRateLimited)
			assert.Equal(t, 429, resp.StatusCode)
			assert.Equal(t, "req_2", resp.RequestID)
			assert.Equal(t, 5, resp.RateLimit.Limit)
			assert.Equal(t, 2, resp.Attempts)
		})
	})
	t.Run("a header name echoing the key", func(t *testing.T) {
		rt := script(reply(200, fixture(t, "get_200.json"), "X-Echo-"+testAPIKey, "1"))
		var resp Response
		_, err := newClient(t, rt).Configurations.Get(context.Background(), "pconf_1", WithResponseInto(&resp))
		require.NoError(t, err)
		requireNoSecret(t, fmt.Sprint(resp.Header))
		assert.Contains(t, fmt.Sprint(resp.Header), "X-Echo-***REDACTED***:[1]", "the name is redacted, the value kept")
	})
	t.Run("refused before sending: a zero Response", func(t *testing.T) {
		resp := Response{StatusCode: 200, Attempts: 1, RequestID: "req_old"}
		_, err := newClient(t, newMock(t)).Configurations.Get(context.Background(), "a/b", WithResponseInto(&resp))
		require.ErrorIs(t, err, ErrInvalidParams)
		assert.Equal(t, Response{}, resp)
		resp = Response{StatusCode: 200}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = newClient(t, newMock(t)).Configurations.List(ctx, ListConfigurationsParams{}, WithResponseInto(&resp))
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, Response{}, resp)
		resp = Response{StatusCode: 200}
		_, err = newClient(t, newMock(t)).Configurations.Update(context.Background(), "pconf_1", UpdateConfigurationParams{}, WithResponseInto(&resp))
		require.ErrorIs(t, err, ErrInvalidParams)
		assert.Equal(t, Response{}, resp)
	})
	t.Run("no response at all", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt := script(fail(errors.New("connection refused")))
			resp := Response{StatusCode: 99}
			_, err := newClient(t, rt).Configurations.Get(context.Background(), "pconf_1", WithResponseInto(&resp))
			require.Error(t, err)
			assert.Zero(t, resp.StatusCode)
			assert.Nil(t, resp.Header)
			assert.Equal(t, 3, resp.Attempts)
		})
	})
}

func TestUpdateCredentialsAreScrubbedFromErrors(t *testing.T) {
	echo, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "invalid_credentials", "type": "validation_error",
		"message": "Failed to validate credentials " + testCredential}})
	rt := script(reply(400, echo))
	_, err := newClient(t, rt).Configurations.Update(context.Background(), "pconf_1", UpdateConfigurationParams{Credentials: BearerCredentials(testCredential)})
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "invalid_credentials", ve.Code)
	requireNoSecret(t, err.Error())
}
