package main

import (
	"bytes"
	"regexp"
	"strconv"
	"testing"
)

func TestSharingRedisSpendsNo429(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	m := regexp.MustCompile(`sharing Redis +: 60 created, (\d+) refused with 429`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("the shared run did not create all 60:\n%s", out.String())
	}
	// An attempt whose Redis call misses the Client's 50ms bound (a machine
	// too loaded to schedule it) is paced by the Client's own view, and may
	// meet a 429; more than two means the account is not shared.
	if n, _ := strconv.Atoi(m[1]); n > 2 {
		t.Errorf("the shared run was refused %d times:\n%s", n, out.String())
	}
}
