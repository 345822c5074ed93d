package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aitronos/freddy-go/freddytest"
)

// TestEveryErrorKindHappens runs the example against the emulator: each
// error kind it promises occurs, is handled by its own branch, and no
// secret is printed.
func TestEveryErrorKindHappens(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, true); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"created configuration pconf_",
		`"credentials": "***REDACTED***"`,
		"fix the params, nothing was sent: freddy: invalid params: name is required",
		"the server refused the request (code invalid_credentials): freddy: Update pconf_",
		": 400 invalid_credentials: Failed to validate credentials",
		"check FREDDY_API_KEY: freddy: Create: 401 UNAUTHORIZED",
		"this key may not do that: freddy: Create: 403 FORBIDDEN",
		"nothing to act on (code configuration_not_found): freddy: Get pconf_does_not_exist: 404 configuration_not_found",
		"use a new idempotency key for a new request (code IDEMPOTENCY_KEY_REUSED): freddy: Create: 409 IDEMPOTENCY_KEY_REUSED",
		"no usable response after 3 attempts: freddy: Create: request failed after 3 attempts: Post",
		"rate limited: schedule a retry in 2m0s with idempotency key ",
		"the server failed after 3 attempts; retry later with idempotency key ",
		"(3 attempts, trace_id req_",
		"no answer before the deadline after 1 attempt(s); retry with idempotency key ",
		"context deadline exceeded",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	srv := freddytest.NewServer()
	srv.Close()
	for _, secret := range []string{token, srv.APIKey, "fk_wrong_key_for_demo"} {
		for i := 0; i+8 <= len(secret); i++ {
			if strings.Contains(got, secret[i:i+8]) {
				t.Fatalf("output shows %q, part of a secret:\n%s", secret[i:i+8], got)
			}
		}
	}
}
