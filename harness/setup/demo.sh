#!/usr/bin/env bash
# The main job on built-in defaults (run as root on Debian 12): installs what
# is missing, builds flashfault and muse.ko, boots Debian's kernel in QEMU
# and runs UBI + UBIFS on flashfault's NAND (preset slc-2k-128m) through
# muse.ko: ubiformat, ubiattach, ubimkvol, mount, write files, sync, remount,
# verify every checksum, compare UBI's attach figures with nandsim's, check
# the kernel log. Prints progress lines, then one verdict line.
# Exit: 0 pass, 3 the run found a problem, 1 the tool failed.
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
bash harness/setup/build-kmod.sh build >&2
step "4/4 booting the guest: UBIFS on flashfault NAND through muse.ko"
set +e
bash tests/e2e/ubifs_on_muse.sh build > build/demo.log 2>&1 &
runner=$!
# Relay the rig's progress lines while the guest runs.
tail -n +1 -f build/demo.log --pid "$runner" 2>/dev/null | grep --line-buffered -E '^\[(vm|e2e)\]' >&2
wait "$runner"
rc=$?
set -e
out=build/e2e/ubifs_on_muse
grep -E '^(STEP|TIMING|FIGURES)' "$out/guest.log" 2>/dev/null | sed 's/^/[guest] /' >&2 || true
if [ "$rc" -eq 0 ]; then
  files="$(grep -o 'verified [0-9]* files' "$out/guest.log" | tail -n1)"
  pebs="$(grep -m1 '^FIGURES {"label":"muse"' "$out/guest.log" | sed -n 's/.*"peb_count":\([0-9]*\).*/\1/p')"
  echo "VERDICT: PASS - UBI attached $pebs PEBs on flashfault NAND (same figures as nandsim), UBIFS $files after remount, kernel log clean; details in $out/"
  exit 0
elif grep -q '^FAIL' build/demo.log; then
  echo "VERDICT: FAIL - $(grep -m1 '^FAIL' build/demo.log); details in $out/ and build/demo.log"
  exit 3
else
  echo "VERDICT: ERROR - the rig failed (exit $rc); see build/demo.log"
  exit 1
fi
