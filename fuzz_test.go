package freddy

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aitronos/freddy-go/internal/redact"
)

// seedBodies adds every response body from the reference page (testdata)
// plus a few hostile shapes. go test runs the seeds as regular tests; go test
// -fuzz explores from them.
func seedBodies(f *testing.F, add func(body []byte)) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed bodies in testdata: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
	for _, s := range []string{"", "null", "{}", "[]", `{"success":true,"data":null}`, `{"success":true,"data":{"id":1}}`,
		`{"error":{"code":"X","details":{"retry_after":1e309}}}`, `{"error":{"code":"X","details":{"retry_after":"-1","limit":1e20}}}`,
		"<html>\xff\xfe</html>", `{"success":true,"data":{"id":"x","created_at":"9999-99-99"}}`} {
		add([]byte(s))
	}
}

// FuzzDecodeConfiguration runs every single-object decoder on one body: each
// gives exactly one of a value and an error, and never surfaces credentials.
func FuzzDecodeConfiguration(f *testing.F) {
	seedBodies(f, func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, body []byte) {
		c, derr := decodeConfiguration(bytes.Clone(body))
		if (c == nil) == (derr == nil) {
			t.Fatalf("want exactly one of configuration and error, got %v and %v", c, derr)
		}
		if derr != nil {
			_ = derr.Error()
		} else {
			if c.ID == "" {
				t.Fatal("a decoded configuration always has an id")
			}
			if c.Credentials != "***REDACTED***" {
				t.Fatalf("credentials surfaced: %q", c.Credentials)
			}
			if raw := c.RawJSON(); raw == nil || !json.Valid(raw) {
				t.Fatalf("RawJSON of a decoded configuration is not its object: %q", raw)
			}
		}
		r, derr := decodeTestResult(bytes.Clone(body))
		if (r == nil) == (derr == nil) || (r != nil && r.Status == "") {
			t.Fatalf("test result %v, error %v", r, derr)
		}
		_ = decodeDeleted(200, body)
	})
}

// FuzzDecodeList: a page or an error, never both; every item has an id and
// its own RawJSON.
func FuzzDecodeList(f *testing.F) {
	seedBodies(f, func(b []byte) { f.Add(b, 20) })
	for _, s := range []string{`[]`, `[{"id":"a"},{"id":"b"}]`, `{"data":[{"id":"a"}],"has_more":true,"last_id":"a"}`,
		`{"success":true,"data":{"object":"list","data":[{"id":"a","credentials":{"t":"x"}}]}}`, `{"success":true,"data":[{"id":"a"}]}`,
		`{"data":{"object":"list"}}`, `{"data":[{"id":""}]}`} {
		f.Add([]byte(s), 1)
	}
	f.Fuzz(func(t *testing.T, body []byte, limit int) {
		p, derr := decodeList(bytes.Clone(body), limit)
		if (p == nil) == (derr == nil) {
			t.Fatalf("want exactly one of page and error, got %v and %v", p, derr)
		}
		if derr != nil {
			_ = derr.Error()
			return
		}
		if p.RawJSON() == nil {
			t.Fatal("a decoded page has its RawJSON")
		}
		for _, c := range p.Data {
			if c.ID == "" || c.Credentials != "***REDACTED***" {
				t.Fatalf("item %+v", c)
			}
			if raw := c.RawJSON(); raw == nil || !json.Valid(raw) {
				t.Fatalf("item RawJSON %q", raw)
			}
		}
		if len(p.Data) > 0 && (p.FirstID == "" || p.LastID == "") {
			t.Fatalf("a page with items has first and last ids: %+v", p)
		}
	})
}

func FuzzDecodeError(f *testing.F) {
	statuses := []int{400, 401, 403, 404, 422, 429, 500, 502, 503}
	seedBodies(f, func(b []byte) {
		for _, s := range statuses {
			f.Add(s, b, "120", "1763030460")
		}
	})
	f.Add(429, []byte(`{}`), "Wed, 21 Oct 2015 07:28:00 GMT", "2025-11-13T10:31:00Z")
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter, reset string) {
		h := http.Header{"Retry-After": {retryAfter}, "X-Ratelimit-Reset": {reset}, "X-Request-Id": {"req_fuzz"}}
		err := newAPIError(status, h, body, "idem", 1, redact.New(testAPIKey, BearerCredentials(testCredential).tree()), time.Now())
		requireNoSecret(t, err.Error())
		if err == nil {
			t.Fatal("an error response always gives an error")
		}
		_ = err.Error()
		if rl, ok := err.(*RateLimitError); ok && rl.RetryAfter < 0 {
			t.Fatalf("negative RetryAfter %v", rl.RetryAfter)
		}
	})
}
