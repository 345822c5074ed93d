#!/usr/bin/env bash
# Runs the SDK-vs-hand-written benchmarks for several rounds, each round
# running both sides back to back against one loopback server, then prints
# the medians and the SDK/hand-written ratios:
#   BenchmarkCreate   serial and 16-way parallel, against a lean hand-written
#                     client (the SDK's headers, plain structs): ns/op ratio
#                     <= 1.03, allocs/op <= hand-written + 5, B/op ratio <= 1.05
#   BenchmarkListAll  10,000 items in pages of 100: ns/item ratio <= 1.10,
#                     allocs/item <= hand-written + 2
#
#   scripts/bench.sh [rounds] [benchtime]     # defaults: 8 rounds, 2s
#
# Exits non-zero when a target is missed. REPORT_ONLY=1 prints without
# judging; BENCH=<regexp> picks the benchmarks (default both).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-8}
benchtime=${2:-2s}
bench=${BENCH:-'^(BenchmarkCreate|BenchmarkListAll)$'}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -c -o "$out.test" . >/dev/null
trap 'rm -f "$out" "$out.test"' EXIT
# Odd rounds run the SDK first, even rounds the hand-written client: the side
# that runs second is a little faster on a shared machine.
for i in $(seq 1 "$rounds"); do
  FREDDY_BENCH_REVERSE=$(( (i + 1) % 2 )) "$out.test" -test.run '^$' -test.bench "$bench" -test.benchmem -test.benchtime "$benchtime" |
    tee -a "$out" | grep '^Benchmark' >&2
done
flags=()
[ "${REPORT_ONLY:-0}" = 1 ] && flags+=(-report-only)
go run ./internal/bench "${flags[@]}" <"$out"
