package testenv

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestGoTestArgsFollowTheRaceMode(t *testing.T) {
	got := GoTestArgs("-count=1", ".")
	want := []string{"test", "-count=1", "."}
	if RaceEnabled {
		want = []string{"test", "-race", "-count=1", "."}
	}
	if !slices.Equal(got, want) {
		t.Errorf("GoTestArgs = %q, want %q", got, want)
	}
}

func TestEnvironSparesTheRaceDetectorsWaitAtExit(t *testing.T) {
	t.Setenv("GORACE", "")
	os.Unsetenv("GORACE")
	env := Environ("A=1", "B=2")
	if got := lookup(env, "GORACE"); got != "atexit_sleep_ms=0" {
		t.Errorf("GORACE = %q, want atexit_sleep_ms=0", got)
	}
	if !slices.Equal(env[len(env)-2:], []string{"A=1", "B=2"}) {
		t.Errorf("extra not appended last: %q", env[len(env)-2:])
	}

	// The caller's options are kept, after ours, so that theirs win
	// (the race detector reads GORACE left to right).
	t.Setenv("GORACE", "halt_on_error=1 atexit_sleep_ms=500")
	env = Environ()
	if got, want := lookup(env, "GORACE"), "atexit_sleep_ms=0 halt_on_error=1 atexit_sleep_ms=500"; got != want {
		t.Errorf("GORACE = %q, want %q", got, want)
	}
	n := 0
	for _, kv := range env {
		if strings.HasPrefix(kv, "GORACE=") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d GORACE entries, want 1", n)
	}
}

// lookup returns the value of the last entry named key, as a process reads it.
func lookup(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if rest, ok := strings.CutPrefix(kv, key+"="); ok {
			v = rest
		}
	}
	return v
}
