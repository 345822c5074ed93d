// Command bench reads `go test -bench` output on stdin and prints, for each
// benchmark pair, the medians of ns, B and allocs over all rounds and the
// SDK/hand-written ratios. A pair is either two benchmarks named …/sdk and
// …/nethttp, or one paired benchmark (BenchmarkCreate's modes: the sides
// alternate in short blocks within each round) reporting sdk-ns/op,
// nethttp-ns/op, sdk-B/op, sdk-items/op, sdk-cpu-ns/op (the process's CPU
// time per op), … and ratio-se, the standard error of its round's ratio. The ns ratio is the median of the rounds' own ratios; the
// report also gives their range and, for paired benchmarks, the median
// standard error within a round: how finely the measurement can tell. A
// benchmark that reports items/op is judged per item. It exits 1 when a pair
// misses its target (see targets), unless -report-only is set.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
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

// metrics holds every round's values of one benchmark, or of one side of a
// paired benchmark (se: the paired rounds' standard errors of the ratio).
type metrics struct{ ns, cpu, bytes, allocs, items, se []float64 }

// target is what a benchmark pair must meet: the SDK's ns at most nsRatio
// times the hand-written client's, its allocs at most allocsPlus more, per
// op or, for benchmarks that report items/op, per item, and its bytes at
// most bytesRatio times the hand-written client's (0: not judged).
type target struct {
	prefix     string
	nsRatio    float64
	allocsPlus float64
	bytesRatio float64
}

// targets come from the issues: Create within 1.03× of the lean baseline,
// +5 allocs/op and +5 % bytes (issue 25); ListAll within 1.10× and +2
// allocs per item.
var targets = []target{
	{"BenchmarkListAll", 1.10, 2, 0},
	{"Benchmark", 1.03, 5, 1.05},
}

func targetOf(name string) target {
	for _, t := range targets {
		if strings.HasPrefix(name, t.prefix) {
			return t
		}
	}
	return targets[len(targets)-1]
}

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
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("bad value %q in %q", f[i], sc.Text())
			}
			// A paired benchmark's sides are kept as two benchmarks.
			key, unit := name, f[i+1]
			if side, u, ok := strings.Cut(unit, "-"); ok && (side == "sdk" || side == "nethttp") {
				key, unit = name+"/"+side, u
			} else if unit == "ratio-se" {
				key = name + "/sdk"
			}
			m := out[key]
			if m == nil {
				m = &metrics{}
				out[key] = m
			}
			switch unit {
			case "ns/op":
				m.ns = append(m.ns, v)
			case "cpu-ns/op":
				m.cpu = append(m.cpu, v)
			case "B/op":
				m.bytes = append(m.bytes, v)
			case "allocs/op":
				m.allocs = append(m.allocs, v)
			case "items/op":
				m.items = append(m.items, v)
			case "ratio-se":
				m.se = append(m.se, v)
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

// pairedRatio is the median of the rounds' own ratios: both sides of a round
// run back to back, so a round the machine was slower in slows both, and
// dividing within the round cancels it. Rounds the two sides do not share
// are left out.
func pairedRatio(sdk, hand []float64) float64 {
	return median(roundRatios(sdk, hand))
}

// roundRatios are the rounds' own SDK/hand-written ratios.
func roundRatios(sdk, hand []float64) []float64 {
	n := min(len(sdk), len(hand))
	ratios := make([]float64, n)
	for i := range n {
		ratios[i] = sdk[i] / hand[i]
	}
	return ratios
}

// cpuRatio is the median of the rounds' SDK/hand-written ratios of CPU
// time per op, when measured.
func cpuRatio(sdk, hand []float64) string {
	if len(sdk) == 0 || len(hand) == 0 || slices.Contains(hand, 0) {
		return ""
	}
	return fmt.Sprintf("; cpu %.3f", pairedRatio(sdk, hand))
}

// spread is the range of the rounds' ratios and, for a paired benchmark,
// the median of its rounds' standard errors.
func spread(ratios, se []float64) string {
	s := fmt.Sprintf("%.3f-%.3f", slices.Min(ratios), slices.Max(ratios))
	if len(se) > 0 {
		s += fmt.Sprintf(" se %.3f", median(se))
	}
	return s
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
	fmt.Fprintf(w, "%-28s %7s %5s %12s %12s %9s %9s %10s %10s %7s  %s\n", "benchmark", "rounds", "per", "sdk ns", "net/http", "ns ratio", "B ratio", "sdk allocs", "net/http", "target", "rounds' ns ratios; cpu ratio")
	for _, p := range pairs {
		s, h := samples[p+"/sdk"], samples[p+"/nethttp"]
		per, items := "op", 1.0
		if n := median(s.items); n > 0 {
			per, items = "item", n
		}
		tg := targetOf(p)
		nsRatio := pairedRatio(s.ns, h.ns)
		bRatio := median(s.bytes) / median(h.bytes)
		sa, ha := median(s.allocs)/items, median(h.allocs)/items
		met := nsRatio <= tg.nsRatio && sa <= ha+tg.allocsPlus && (tg.bytesRatio == 0 || bRatio <= tg.bytesRatio)
		ok = ok && met
		verdict := "met"
		if !met {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "%-28s %7d %5s %12.1f %12.1f %9.3f %9.3f %10.2f %10.2f %7s  %s\n", p, len(s.ns), per, median(s.ns)/items, median(h.ns)/items,
			nsRatio, bRatio, sa, ha, verdict, spread(roundRatios(s.ns, h.ns), s.se)+cpuRatio(s.cpu, h.cpu))
	}
	return ok
}
