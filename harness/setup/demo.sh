#!/usr/bin/env bash
# The main job on built-in defaults (run as root on Debian 12): installs what
# is missing, builds flashfault and muse.ko, then runs the default campaign,
# corpora/scenarios/default.json, through `flashfault run`: Debian's kernel in
# QEMU, UBI + UBIFS on flashfault's slc-2k-128m NAND through muse.ko with a
# default fault script (3 factory bad blocks, correctable read bitflips, one
# block going bad under UBIFS), a write/rewrite/remount/verify workload, and
# the expectations (UBI skips, scrubs, recovers and marks bad; every file
# verifies; no oops, BUG or WARNING). Progress lines on stderr, then a short
# report (what was injected, what UBI did, files verified, the kernel log
# classified) and the one-line verdict. Results: build/demo/results.json.
# Exit: 0 pass, 3 the run found a problem, 1 the tool failed.
# Must not: hide a build or rig error behind a verdict line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
step() { printf '[demo] %s\n' "$*" >&2; }

step "1/4 checking Debian packages"
bash harness/setup/install-deps.sh >&2
step "2/4 building flashfault (build/)"
buildlog="$(mktemp)"
if ! bash harness/setup/build.sh >"$buildlog" 2>&1; then
  tail -n 40 "$buildlog" >&2
  echo "VERDICT: ERROR - the build failed (full log: $buildlog)"
  exit 1
fi
rm -f "$buildlog"
step "3/4 building muse.ko against the guest kernel's headers"
if ! bash harness/setup/build-kmod.sh build >&2; then
  echo "VERDICT: ERROR - building muse.ko failed (see the lines above)"
  exit 1
fi
step "4/4 running the default campaign: flashfault run corpora/scenarios/default.json"
mkdir -p build/demo
set +e
build/harness/flashfault run corpora/scenarios/default.json --out build/demo | tee build/demo/summary.txt
rc=${PIPESTATUS[0]}
set -e
# flashfault run prints the report and the VERDICT line itself (pass, fail, or a rig error).
if ! grep -q '^VERDICT: ' build/demo/summary.txt; then
  echo "VERDICT: ERROR - flashfault run failed (exit $rc); logs in build/demo/ (vm/guest.log, vm/dmesg.log)"
fi
case "$rc" in
  0|3) exit "$rc" ;;
  *) exit 1 ;;
esac
