#!/usr/bin/env bash
# Runs BenchmarkCreate (SDK vs hand-written net/http, serial and 16-way
# parallel, one loopback server) for several rounds, each round running both
# sides back to back, then prints the medians and the SDK/hand-written ratios.
#
#   scripts/bench.sh [rounds] [benchtime]     # defaults: 8 rounds, 2s
#
# Exits non-zero when a target is missed: ns/op ratio <= 1.05, allocs/op <=
# hand-written + 5. REPORT_ONLY=1 prints without judging.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-8}
benchtime=${2:-2s}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -c -o "$out.test" . >/dev/null
trap 'rm -f "$out" "$out.test"' EXIT
for i in $(seq 1 "$rounds"); do
  "$out.test" -test.run '^$' -test.bench '^BenchmarkCreate$' -test.benchmem -test.benchtime "$benchtime" | tee -a "$out" | grep '^Benchmark' >&2
done
flags=()
[ "${REPORT_ONLY:-0}" = 1 ] && flags+=(-report-only)
go run ./internal/bench "${flags[@]}" <"$out"
