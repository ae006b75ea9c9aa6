#!/usr/bin/env bash
# What decoding costs the fault layer, in instructions per op (issue 17):
# each meaning_bench pair run under callgrind, the figure printed beside its
# reference from the same build, as a ratio. Instructions, not time: on a
# shared machine wall times of the same binary swing by tens of percent,
# instruction counts by well under one.
# Usage: tests/bench/meaning_cost.sh [BUILD_DIR] [SECONDS]
#   BUILD_DIR  a Release build (default: build); SECONDS: each benchmark's
#   --benchmark_min_time (default 3: shorter runs add a fixed cost).
# Needs valgrind (apt-get install valgrind). Takes about a minute a pair.
# Must not: run as a ctest (figures belong in benchmarks), or write outside
# its temporary directory.
set -euo pipefail
build=${1:-build}
seconds=${2:-3}
bench="$build/tests/bench/meaning_bench"
[ -x "$bench" ] || { echo "meaning_cost: no $bench (build it first)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "meaning_cost: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Instructions per op of one benchmark.
per_op() {
  local log="$out/log"
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" --collect-atstart=no \
    --toggle-collect='*RunMix*' "$bench" --benchmark_filter="^$1\$" \
    --benchmark_min_time="$seconds" >"$log" 2>&1
  local ins ops
  ins=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log")
  ops=$(sed -n 's/^mix ops run: \([0-9]*\)/\1/p' "$log")
  [ -n "$ins" ] && [ -n "$ops" ] && [ "$ops" -gt 0 ] || { echo "meaning_cost: $1 did not run" >&2; cat "$log" >&2; exit 1; }
  echo $((ins / ops))
}

printf '%-22s %10s %10s %8s\n' "pair" "reference" "decoding" "extra"
for pair in mix_typical/ref:mix_typical/decode aim/ref:aim/decode log/ref:log/decode \
            mix_nofault/ref:mix_nofault/decode; do
  ref=${pair%%:*} dec=${pair##*:}
  r=$(per_op "$ref") d=$(per_op "$dec")
  printf '%-22s %10s %10s %7s%%\n' "${dec%/*}" "$r" "$d" \
    "$(awk -v r="$r" -v d="$d" 'BEGIN { printf "%+.1f", (d - r) * 100 / r }')"
done
echo "(instructions per op; target: decoding <= 10% over the layer without it)"
