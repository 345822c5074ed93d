#!/usr/bin/env bash
# Runs the SDK-vs-hand-written benchmarks for several rounds against one
# loopback server, then prints the medians, the SDK/hand-written ratios (the
# median of the rounds' own ratios), the range of those ratios and how finely
# a round can tell:
#   BenchmarkCreate   serial and 16-way parallel, against a lean hand-written
#                     client (the SDK's headers, plain structs): ns/op ratio
#                     <= 1.03, allocs/op <= hand-written + 5, B/op ratio <= 1.05.
#                     Paired: within a round the two sides alternate in short
#                     blocks (SDK, hand-written, hand-written, SDK, ...), each
#                     side's figures summed over its own blocks, so both see
#                     the same stretch of the machine; "se" is the standard
#                     error of a round's ratio from its blocks' own ratios.
#   BenchmarkListAll  10,000 items in pages of 100: ns/item ratio <= 1.10,
#                     allocs/item <= hand-written + 2; paired the same way,
#                     one walk over the 10,000 items a block.
#
#   scripts/bench.sh [rounds] [benchtime]     # defaults: 8 rounds, 2s
#
# Exits non-zero when a target is missed. REPORT_ONLY=1 prints without
# judging; BENCH=<regexp> picks the benchmarks (default both). NULL=1 runs
# the hand-written Create on both sides (the "sdk" column is a second
# hand-written client): the ratios a run reads when nothing differs, to
# judge how far to trust its Create ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-8}
benchtime=${2:-2s}
bench=${BENCH:-'^(BenchmarkCreate|BenchmarkListAll)$'}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -c -o "$out.test" . >/dev/null
trap 'rm -f "$out" "$out.test"' EXIT
# Odd rounds start with the SDK, even rounds with the hand-written client.
for i in $(seq 1 "$rounds"); do
  FREDDY_BENCH_NULL=${NULL:-0} FREDDY_BENCH_REVERSE=$(( (i + 1) % 2 )) "$out.test" -test.run '^$' -test.bench "$bench" -test.benchmem -test.benchtime "$benchtime" |
    tee -a "$out" | grep '^Benchmark' >&2
done
flags=()
[ "${REPORT_ONLY:-0}" = 1 ] && flags+=(-report-only)
go run ./internal/bench "${flags[@]}" <"$out"
