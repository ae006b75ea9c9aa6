#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine (run as root):
# installs the Debian packages, builds, then runs under ctest
#   1. every test but the QEMU ones (unit, protocol, control, fuzz, schema,
#      report, CLI) in an ASan+UBSan build (clang-14),
#   2. the QEMU end-to-end tests (label e2e, on 6.1 and 6.12; label long
#      left out: README "Long tests") with the release flashfault binary;
#      its ctest summary line is the last one printed.
# The release build makes only the binary the e2e tests run: its unit tests
# would repeat the sanitizer run's, and CI has 2 cores and 30 minutes.
# Exits non-zero if anything fails. Must not hide a failure of either run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

bash harness/setup/install-deps.sh
echo "[test] building the ASan+UBSan build (build-asan/)"
bash harness/setup/build.sh --asan
echo "[test] building the release flashfault binary (build/)"
bash harness/setup/build.sh flashfault

status=0
echo "[test] sanitizer run: unit, protocol, control, fuzz, schema, report, CLI"
(cd build-asan && ctest --output-on-failure -j 2 --timeout 600) || status=1
echo "[test] release run: e2e on the QEMU guests"
(cd build && ctest --output-on-failure -j 2 --timeout 900 -L e2e -LE long) || status=1
exit "$status"
