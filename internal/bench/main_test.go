package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
BenchmarkCreate/serial/sdk-2         	   17301	     100 ns/op	   11539 B/op	     146 allocs/op
BenchmarkCreate/serial/nethttp-2     	   18627	     100 ns/op	   12585 B/op	     145 allocs/op
BenchmarkCreate/serial/sdk-2         	   17301	     102 ns/op	   11539 B/op	     146 allocs/op
BenchmarkCreate/serial/nethttp-2     	   18627	     100 ns/op	   12585 B/op	     145 allocs/op
BenchmarkCreate/serial/sdk-2         	   17301	     300 ns/op	   11539 B/op	     146 allocs/op
BenchmarkCreate/serial/nethttp-2     	   18627	     100 ns/op	   12585 B/op	     145 allocs/op
BenchmarkCreate/parallel16/sdk-2     	   17301	     120 ns/op	   100 B/op	     160 allocs/op
BenchmarkCreate/parallel16/nethttp-2 	   18627	     100 ns/op	   100 B/op	     150 allocs/op
BenchmarkListAll/sdk-2               	      20	  1080000 ns/op	     10000 items/op	  300 B/op	  45000 allocs/op
BenchmarkListAll/nethttp-2           	      20	  1000000 ns/op	     10000 items/op	  300 B/op	  30000 allocs/op
PASS
`

func TestReport(t *testing.T) {
	samples, err := parse(strings.NewReader(sample))
	require.NoError(t, err)
	require.Len(t, samples["BenchmarkCreate/serial/sdk"].ns, 3)
	var out bytes.Buffer
	ok := report(&out, samples)
	assert.False(t, ok, "the parallel pair misses both targets")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 4)
	assert.Regexp(t, `^BenchmarkCreate/parallel16\s+1\s+op\s+120\.0\s+100\.0\s+1\.200\s+1\.000\s+160\.00\s+150\.00\s+MISSED\s+1\.200-1\.200$`, lines[1])
	assert.Regexp(t, `^BenchmarkCreate/serial\s+3\s+op\s+102\.0\s+100\.0\s+1\.020\s+0\.917\s+146\.00\s+145\.00\s+met\s+1\.000-3\.000$`, lines[2], "the median ignores the 300 ns outlier")
	assert.Regexp(t, `^BenchmarkListAll\s+1\s+item\s+108\.0\s+100\.0\s+1\.080\s+1\.000\s+4\.50\s+3\.00\s+met\s+1\.080-1\.080$`, lines[3], "1.08 is within ListAll's 1.10, +1.5 allocs per item within +2")
}

func TestListAllTargetIsPerItem(t *testing.T) {
	in := "BenchmarkListAll/sdk-2 20 1000 ns/op 10000 items/op 1 B/op 60000 allocs/op\n" +
		"BenchmarkListAll/nethttp-2 20 1000 ns/op 10000 items/op 1 B/op 30000 allocs/op\n"
	samples, err := parse(strings.NewReader(in))
	require.NoError(t, err)
	assert.False(t, report(&bytes.Buffer{}, samples), "+3 allocs per item misses the +2 target")
}

func TestCreateTargets(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sdkNs    int
		sdkBytes int
		wantMet  bool
	}{{"at the floor", 103, 1050, true}, {"4 % slower", 104, 1000, false}, {"6 % more bytes", 100, 1060, false}} {
		in := "BenchmarkCreate/serial/sdk-2 1 " + strconv.Itoa(tc.sdkNs) + " ns/op " + strconv.Itoa(tc.sdkBytes) + " B/op 140 allocs/op\n" +
			"BenchmarkCreate/serial/nethttp-2 1 100 ns/op 1000 B/op 139 allocs/op\n"
		samples, err := parse(strings.NewReader(in))
		require.NoError(t, err)
		assert.Equal(t, tc.wantMet, report(&bytes.Buffer{}, samples), tc.name)
	}
}

func TestReportNeedsPairs(t *testing.T) {
	samples, err := parse(strings.NewReader("PASS\n"))
	require.NoError(t, err)
	assert.False(t, report(&bytes.Buffer{}, samples))
}

// TestRatioIsPairedByRound: each round's sides are compared with each other,
// so a slow round does not count against one side.
func TestRatioIsPairedByRound(t *testing.T) {
	assert.InDelta(t, 1.0345, pairedRatio([]float64{100, 210, 300}, []float64{100, 200, 290}), 0.001)
	assert.InDelta(t, 1.05, median([]float64{100, 210, 300})/median([]float64{100, 200, 290}), 0.001, "unpaired medians would say 1.05")
}

// TestPairedBenchmark: one paired benchmark line per round holds both
// sides; the report pairs them and gives the rounds' standard errors.
func TestPairedBenchmark(t *testing.T) {
	in := "BenchmarkCreate/serial-2 22 5000 ns/op 1000 nethttp-B/op 138 nethttp-allocs/op 100 nethttp-ns/op 1.02 ratio 0.010 ratio-se 1040 sdk-B/op 139 sdk-allocs/op 102 sdk-ns/op 100 nethttp-cpu-ns/op 110 sdk-cpu-ns/op\n" +
		"BenchmarkCreate/serial-2 22 5000 ns/op 1000 nethttp-B/op 138 nethttp-allocs/op 200 nethttp-ns/op 1.01 ratio 0.030 ratio-se 1040 sdk-B/op 139 sdk-allocs/op 202 sdk-ns/op 100 nethttp-cpu-ns/op 105 sdk-cpu-ns/op\n" +
		"BenchmarkCreate/serial-2 22 5000 ns/op 1000 nethttp-B/op 138 nethttp-allocs/op 100 nethttp-ns/op 1.05 ratio 0.020 ratio-se 1040 sdk-B/op 139 sdk-allocs/op 105 sdk-ns/op 100 nethttp-cpu-ns/op 104 sdk-cpu-ns/op\n"
	samples, err := parse(strings.NewReader(in))
	require.NoError(t, err)
	require.Len(t, samples["BenchmarkCreate/serial/nethttp"].ns, 3)
	var out bytes.Buffer
	assert.True(t, report(&out, samples), out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	assert.Regexp(t, `^BenchmarkCreate/serial\s+3\s+op\s+105\.0\s+100\.0\s+1\.020\s+1\.040\s+139\.00\s+138\.00\s+met\s+1\.010-1\.050 se 0\.020; cpu 1\.050$`, lines[1])
}

// TestPairedPerItem: a paired benchmark that reports items/op per side is
// judged per item.
func TestPairedPerItem(t *testing.T) {
	in := "BenchmarkListAll-2 1 5000 ns/op 300 nethttp-B/op 30000 nethttp-allocs/op 10000 nethttp-items/op 1000 nethttp-ns/op 1.05 ratio 0 ratio-se 300 sdk-B/op 60000 sdk-allocs/op 10000 sdk-items/op 1050 sdk-ns/op\n"
	samples, err := parse(strings.NewReader(in))
	require.NoError(t, err)
	var out bytes.Buffer
	assert.False(t, report(&out, samples), "+3 allocs per item misses the +2 target")
	assert.Regexp(t, `BenchmarkListAll\s+1\s+item\s+0\.1\s+0\.1\s+1\.050\s+1\.000\s+6\.00\s+3\.00\s+MISSED`, out.String())
}
