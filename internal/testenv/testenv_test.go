package testenv

import (
	"slices"
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
