//go:build unix

package freddy

import "syscall"

// processCPU is the CPU time the process has used so far, user and system,
// in nanoseconds.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano() + ru.Stime.Nano())
}
