#!/usr/bin/env bash
# The main job on built-in defaults (run as root on Debian 12): installs what
# is missing, builds flashfault and muse.ko, then runs a short nightly
# (`flashfault nightly --budget 6m`, README "Nightly runs"): Debian's kernel in
# QEMU, the regression corpus first -- corpora/scenarios/default.json leads it:
# UBI + UBIFS on flashfault's slc-2k-128m NAND with 3 factory bad blocks,
# correctable read bitflips and one block going bad under UBIFS, every file
# verified, no oops, BUG or WARNING -- a few scenarios per boot while 60% of
# the budget lasts, then power-cut exploration with the rest when enough is
# left. Progress lines on stderr, each scenario's report, then where
# report.html and junit.xml are and the one-line verdict. Results: build/demo/.
# Exit: 0 nothing new, 3 a regression or a finding, 1 the tool failed.
# Must not: hide a build or rig error behind a verdict line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
step() { printf '[demo] %s\n' "$*" >&2; }

step "1/4 checking Debian packages"
bash harness/setup/install-deps.sh >&2
step "2/4 building flashfault (build/)"
buildlog="$(mktemp)"
if ! bash harness/setup/build.sh flashfault >"$buildlog" 2>&1; then
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
step "4/4 a short nightly: flashfault nightly --budget 6m --out build/demo"
rm -rf build/demo
mkdir -p build/demo
set +e
build/harness/flashfault nightly --budget 6m --out build/demo | tee build/demo-summary.txt
rc=${PIPESTATUS[0]}
set -e
# flashfault nightly prints where report.html and junit.xml are and the VERDICT line itself.
if ! grep -q '^VERDICT: ' build/demo-summary.txt; then
  echo "VERDICT: ERROR - flashfault nightly failed (exit $rc); logs in build/demo/"
fi
case "$rc" in
  0|3) exit "$rc" ;;
  *) exit 1 ;;
esac
