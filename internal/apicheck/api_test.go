package apicheck

import (
	"flag"
	"testing"
)

var update = flag.Bool("update", false, "regenerate api/*.txt from the code (refused while a line of the last release's API is removed or changed without a CHANGELOG Breaking entry naming it)")

// TestAPI runs Check on this repository: every module's API (the core's,
// otelfreddy's, redisfreddy's) against api/<module>.txt and against the
// last release's API.
func TestAPI(t *testing.T) {
	problems, updated, err := Check("../..", *update)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	for _, u := range updated {
		t.Log(u)
	}
}
