#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine (run as root):
# installs the Debian packages, builds, then runs under ctest
#   1. the QEMU end-to-end tests (label e2e, on 6.1 and 6.12; label long
#      left out: README "Long tests") with the release flashfault binary,
#   2. every other test (unit, protocol, control, fuzz, schema, report, CLI)
#      in an ASan+UBSan build (clang-14).
# The release build makes only the binary the e2e tests run (its unit tests
# would repeat the sanitizer run's). The e2e run starts first and goes on in
# the background while the sanitizer build compiles and its tests run: a TCG
# guest keeps about one core busy, and CI has 2 cores and 30 minutes. Its
# output is printed once it ends, so ctest's summary line of the e2e run is
# the last line printed.
# Exits non-zero if anything fails. Must not hide a failure of either run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

bash harness/setup/install-deps.sh
echo "[test] building the release flashfault binary (build/)"
bash harness/setup/build.sh flashfault

e2e_log="$root/build/e2e-ctest.log"
echo "[test] release run: e2e on the QEMU guests, in the background (log: $e2e_log)"
(cd build && ctest --output-on-failure -j 2 --timeout 900 -L e2e -LE long >"$e2e_log" 2>&1) &
e2e_pid=$!

status=0
echo "[test] building the ASan+UBSan build (build-asan/)"
if bash harness/setup/build.sh --asan; then
  echo "[test] sanitizer run: unit, protocol, control, fuzz, schema, report, CLI"
  (cd build-asan && ctest --output-on-failure -j 2 --timeout 600) || status=1
else
  echo "[test] the ASan+UBSan build failed"
  status=1
fi
e2e_status=0
wait "$e2e_pid" || e2e_status=$?
echo "[test] release run: e2e on the QEMU guests (exit $e2e_status)"
cat "$e2e_log"
[ "$e2e_status" = 0 ] || status=1
exit "$status"
