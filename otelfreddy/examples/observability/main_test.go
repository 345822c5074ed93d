package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestPrintsTheSpansOfARetriedCreate(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if n := strings.Count(got, `"Name": "POST /v1/personal-connectors/configurations"`); n != 2 {
		t.Errorf("%d attempt spans, want 2:\n%s", n, got)
	}
	if n := strings.Count(got, `"Name": "freddy.configurations.create"`); n != 1 {
		t.Errorf("%d call spans, want 1:\n%s", n, got)
	}
	if !strings.Contains(got, "after 2 requests") {
		t.Errorf("output lacks the request count:\n%s", got)
	}
	secret := "ghp_example_token_not_real"
	for i := 0; i+8 <= len(secret); i++ {
		if strings.Contains(got, secret[i:i+8]) {
			t.Fatalf("output shows %q, part of the credential", secret[i:i+8])
		}
	}
}
