#!/usr/bin/env bash
# tests/bench/fuzz_speed.sh -- executions per second of each libFuzzer target
# in a plain coverage build (-fsanitize=fuzzer only, no ASan), one core.
#
# Usage: tests/bench/fuzz_speed.sh [SECONDS] [-- EXTRA_LIBFUZZER_FLAGS...]
#   SECONDS   how long each target runs (default 20)
#   extra flags go to every target, e.g. `-- -entropic=0`
#   FF_FUZZ_TARGETS="fault_stream_fuzzer ..." runs only those targets.
# Prints one line per target: name, exec/s, and the target figure beside it
# (fault_stream_fuzzer: 10,000 exec/s on one core).
#
# Configures build-fuzzcov/ the way harness/setup/build.sh configures
# build-asan/ (clang-14, FF_FUZZ=ON, no e2e) but with FF_FUZZ_SANITIZERS=""
# and an optimised build type, and builds only the fuzz targets. Each target
# runs pinned to CPU 0 (taskset -c 0) on a scratch copy of its seed corpus.
# Must not: change the repository (corpora stay read-only), run as a ctest
# (timings belong in benchmarks, not tests), or touch other build trees.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/build-fuzzcov"
jobs="${FF_JOBS:-$(nproc)}"

seconds=20
if [ $# -gt 0 ] && [ "$1" != "--" ]; then seconds="$1"; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
extra=("$@")

targets=(${FF_FUZZ_TARGETS:-fault_stream_fuzzer fault_script_fuzzer muse_session_fuzzer})

# Optimised like the default build: speed figures of a Debug build
# would measure the compiler's -O0, not our code.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DFF_FUZZ=ON -DFF_FUZZ_SANITIZERS="" -DFF_E2E=OFF >/dev/null
ninja -C "$build" -j "$jobs" "${targets[@]}" >/dev/null

# The reference figure per target (exec/s); "-" where no target is set.
reference() {
  case "$1" in
    fault_stream_fuzzer) echo 10000 ;;
    *) echo - ;;
  esac
}

scratch="$(mktemp -d "${TMPDIR:-/tmp}/ff_fuzz_speed.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

echo "fuzz_speed: ${seconds} s per target, taskset -c 0, flags: ${extra[*]:-(defaults)}" \
     "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in "${targets[@]}"; do
  area="${t%_fuzzer}"
  corpus="$scratch/$area"
  mkdir -p "$corpus"
  cp -r "$root/corpora/fuzz/$area/." "$corpus/"
  # fault_script also seeds from the example scripts (as fuzz/CMakeLists.txt).
  [ "$area" = fault_script ] && cp "$root"/corpora/scripts/*.json "$corpus/"
  opts=()
  max_len="$(sed -n 's/^max_len *= *\([0-9]*\).*/\1/p' "$root/fuzz/$t.options")"
  [ -n "$max_len" ] && opts+=("-max_len=$max_len")
  [ -f "$root/fuzz/$t.dict" ] && opts+=("-dict=$root/fuzz/$t.dict")
  log="$scratch/$t.log"
  # A finding is a failure of the bench too: say so rather than print a rate.
  if ! taskset -c 0 "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 \
       -print_final_stats=1 "${opts[@]}" "${extra[@]}" "$corpus" >"$log" 2>&1; then
    echo "$t: the fuzzer stopped with an error; last lines of its log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  # The final stats line, else the last progress line.
  rate="$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)"
  [ -n "$rate" ] || rate="$(grep -o 'exec/s: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)"
  runs="$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)"
  ref="$(reference "$t")"
  if [ "$ref" = - ]; then
    printf '%-22s %8s exec/s   target   (none)   runs %s\n' "$t" "$rate" "${runs:-?}"
  else
    verdict=$([ "${rate:-0}" -ge "$ref" ] && echo met || echo MISSED)
    printf '%-22s %8s exec/s   target >= %s  %s (%.2fx)   runs %s\n' "$t" "$rate" "$ref" \
      "$verdict" "$(awk -v r="${rate:-0}" -v f="$ref" 'BEGIN { print r / f }')" "${runs:-?}"
  fi
done
