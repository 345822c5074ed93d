package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestLifecycleRunsEveryStep(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, true); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"1. created  pconf_", `"Work ClickUp" enabled=true health=unknown`,
		"2. listed   pconf_", "1 ClickUp configuration(s)",
		"3. got      pconf_", "(request req_", "1 attempt)",
		`4. updated  "Work ClickUp (engineering)" configuration=map[space:backend workspace:engineering]`,
		"5. disabled enabled=false",
		"6. tested   healthy: ",
		"Get now gives ErrNotFound: true",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "pk_example") {
		t.Errorf("the credential was printed:\n%s", got)
	}
}
