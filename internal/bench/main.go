// Command bench reads `go test -bench` output on stdin and prints, for each
// benchmark pair named …/sdk and …/nethttp, the medians of ns/op, B/op and
// allocs/op over all rounds and the SDK/hand-written ratios. It exits 1 when
// a ratio misses the targets (ns/op ≤ 1.05, allocs/op ≤ hand-written + 5),
// unless -report-only is set.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

func main() {
	reportOnly := flag.Bool("report-only", false, "print the ratios without judging them")
	flag.Parse()
	samples, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ok := report(os.Stdout, samples)
	if !ok && !*reportOnly {
		os.Exit(1)
	}
}

// metrics holds every round's values of one benchmark.
type metrics struct{ ns, bytes, allocs []float64 }

// parse collects the ns/op, B/op and allocs/op of each benchmark line, keyed
// by name without the -GOMAXPROCS suffix.
func parse(r io.Reader) (map[string]*metrics, error) {
	out := map[string]*metrics{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		m := out[name]
		if m == nil {
			m = &metrics{}
			out[name] = m
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("bad value %q in %q", f[i], sc.Text())
			}
			switch f[i+1] {
			case "ns/op":
				m.ns = append(m.ns, v)
			case "B/op":
				m.bytes = append(m.bytes, v)
			case "allocs/op":
				m.allocs = append(m.allocs, v)
			}
		}
	}
	return out, sc.Err()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// report prints one line per pair and says whether all met the targets.
func report(w io.Writer, samples map[string]*metrics) bool {
	var pairs []string
	for name := range samples {
		if base, ok := strings.CutSuffix(name, "/sdk"); ok && samples[base+"/nethttp"] != nil {
			pairs = append(pairs, base)
		}
	}
	sort.Strings(pairs)
	ok := len(pairs) > 0
	fmt.Fprintf(w, "%-28s %7s %12s %12s %9s %9s %10s %10s %7s\n", "benchmark", "rounds", "sdk ns/op", "net/http", "ns ratio", "B ratio", "sdk allocs", "net/http", "target")
	for _, p := range pairs {
		s, h := samples[p+"/sdk"], samples[p+"/nethttp"]
		nsRatio := median(s.ns) / median(h.ns)
		bRatio := median(s.bytes) / median(h.bytes)
		sa, ha := median(s.allocs), median(h.allocs)
		met := nsRatio <= 1.05 && sa <= ha+5
		ok = ok && met
		verdict := "met"
		if !met {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "%-28s %7d %12.0f %12.0f %9.3f %9.3f %10.0f %10.0f %7s\n", p, len(s.ns), median(s.ns), median(h.ns), nsRatio, bRatio, sa, ha, verdict)
	}
	return ok
}
