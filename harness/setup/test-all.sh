#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine (run as root):
# installs the Debian packages, builds, then runs under ctest
#   1. unit, protocol and fuzz tests in an ASan+UBSan build (clang-14),
#   2. unit, protocol and the QEMU end-to-end tests (label e2e, on 6.1 and
#      6.12; label long left out: README "Long tests") in the release build;
#      its ctest summary line is the last one printed.
# Exits non-zero if anything fails. Must not hide a failure of either run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

bash harness/setup/install-deps.sh
echo "[test] building the ASan+UBSan build (build-asan/)"
bash harness/setup/build.sh --asan
echo "[test] building the release build (build/)"
bash harness/setup/build.sh

status=0
echo "[test] sanitizer run: unit, protocol, fuzz"
(cd build-asan && ctest --output-on-failure -j 2 --timeout 600) || status=1
echo "[test] release run: unit, protocol, e2e"
(cd build && ctest --output-on-failure -j 2 --timeout 900 -LE long) || status=1
exit "$status"
