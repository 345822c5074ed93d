package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
BenchmarkCreate/serial/sdk-2         	   17301	     100 ns/op	   11539 B/op	     146 allocs/op
BenchmarkCreate/serial/nethttp-2     	   18627	     100 ns/op	   12585 B/op	     145 allocs/op
BenchmarkCreate/serial/sdk-2         	   17301	     104 ns/op	   11539 B/op	     146 allocs/op
BenchmarkCreate/serial/nethttp-2     	   18627	     100 ns/op	   12585 B/op	     145 allocs/op
BenchmarkCreate/serial/sdk-2         	   17301	     300 ns/op	   11539 B/op	     146 allocs/op
BenchmarkCreate/serial/nethttp-2     	   18627	     100 ns/op	   12585 B/op	     145 allocs/op
BenchmarkCreate/parallel16/sdk-2     	   17301	     120 ns/op	   100 B/op	     160 allocs/op
BenchmarkCreate/parallel16/nethttp-2 	   18627	     100 ns/op	   100 B/op	     150 allocs/op
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
	require.Len(t, lines, 3)
	assert.Regexp(t, `^BenchmarkCreate/parallel16\s+1\s+120\s+100\s+1\.200\s+1\.000\s+160\s+150\s+MISSED$`, lines[1])
	assert.Regexp(t, `^BenchmarkCreate/serial\s+3\s+104\s+100\s+1\.040\s+0\.917\s+146\s+145\s+met$`, lines[2], "the median ignores the 300 ns outlier")
}

func TestReportNeedsPairs(t *testing.T) {
	samples, err := parse(strings.NewReader("PASS\n"))
	require.NoError(t, err)
	assert.False(t, report(&bytes.Buffer{}, samples))
}
