//go:build !linux

package freddy

import "time"

// A sleeper wakes a delayProxy's writer at a chunk's due time, as closely as
// time.Sleep allows here (see the Linux version for what that costs).
type sleeper struct{}

func newSleeper() *sleeper { return nil }

// sleepUntil returns at due, or at once when due has passed.
func (*sleeper) sleepUntil(due time.Time) { time.Sleep(time.Until(due)) }

func (*sleeper) close() {}
