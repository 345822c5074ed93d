//go:build !unix

package freddy

import "time"

// cpuTime is the CPU time this process has used so far; zero here, where
// the system will not say.
func cpuTime() time.Duration { return 0 }
