#!/usr/bin/env bash
# Configures and builds flashfault (release build in build/, or the
# sanitizer + fuzzer build in build-asan/ with `--asan`).
#
# Installs nothing; harness/setup/install-deps.sh does that. Must stay
# incremental: a second run rebuilds only what changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jobs="${FF_JOBS:-$(nproc)}"

if [ "${1:-}" = "--asan" ]; then
  # clang-14 for the sanitizers and libFuzzer; no QEMU tests and no benchmarks (timings
  # under ASan mean nothing) in this build.
  cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DFF_SANITIZE=ON -DFF_FUZZ=ON -DFF_E2E=OFF -DFF_BENCH=OFF >/dev/null
  ninja -C "$root/build-asan" -j "$jobs"
else
  cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C "$root/build" -j "$jobs"
fi
