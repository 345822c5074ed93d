package main

import (
	"bytes"
	"regexp"
	"testing"
)

func TestSharingRedisSpendsNo429(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	m := regexp.MustCompile(`sharing Redis +: 60 created, (\d+) refused with 429`).FindStringSubmatch(out.String())
	if m == nil || m[1] != "0" {
		t.Errorf("the shared run was refused or incomplete:\n%s", out.String())
	}
}
