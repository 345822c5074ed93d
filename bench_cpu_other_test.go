//go:build !unix

package freddy

// processCPU is not measured here: the paired benchmarks report 0.
func processCPU() float64 { return 0 }
