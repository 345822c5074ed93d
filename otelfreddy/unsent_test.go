package otelfreddy_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aitronos/freddy-go"
)

// An attempt a middleware failed without calling next reached nobody: the
// first request sent has no http.request.resend_count, and the call span
// counts one attempt.
func TestAnAttemptNotSentIsNotCounted(t *testing.T) {
	runs := 0
	circuit := func(r *http.Request, next freddy.MiddlewareNext) (*http.Response, error) {
		runs++
		if runs == 1 {
			return nil, errors.New("circuit open")
		}
		return next(r)
	}
	tel := setup(t, freddy.WithMiddleware(circuit))
	if _, err := tel.client.Configurations.Create(context.Background(), params()); err != nil {
		t.Fatal(err)
	}
	got := describe(tel.spans.Ended(), "http.response.status_code", "http.request.resend_count", "freddy.attempts")
	want := `freddy.configurations.create [internal] http.response.status_code=200 freddy.attempts=1
  POST /v1/personal-connectors/configurations [client] http.response.status_code=200
`
	if runs != 2 || got != want {
		t.Fatalf("runs %d, spans:\n%s\nwant:\n%s", runs, got, want)
	}
}
