#!/usr/bin/env bash
# Configures and builds flashfault (release build in build/, or the
# sanitizer + fuzzer build in build-asan/ with `--asan`); targets named after
# the options are built alone (test-all.sh builds only `flashfault` in build/:
# the unit tests run in the sanitizer build).
#
# Installs nothing; harness/setup/install-deps.sh does that. Must stay
# incremental: a second run rebuilds only what changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jobs="${FF_JOBS:-$(nproc)}"

asan=0
if [ "${1:-}" = "--asan" ]; then asan=1; shift; fi

if [ "$asan" = 1 ]; then
  # clang-14 for the sanitizers and libFuzzer; no QEMU tests and no benchmarks (timings
  # under ASan mean nothing) in this build.
  cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DFF_SANITIZE=ON -DFF_FUZZ=ON -DFF_E2E=OFF -DFF_BENCH=OFF >/dev/null
  ninja -C "$root/build-asan" -j "$jobs" "$@"
else
  # -O2 without debug info by default: g++'s -g more than doubles the compile time of the
  # template-heavy test files (42 s against 17 s for report_test.cc), and CI builds all of
  # them on 2 cores. FF_BUILD_TYPE=RelWithDebInfo brings the symbols back for gdb.
  cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE="${FF_BUILD_TYPE:-Release}" \
    -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
  ninja -C "$root/build" -j "$jobs" "$@"
fi
