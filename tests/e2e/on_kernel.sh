#!/bin/bash
# tests/e2e/on_kernel.sh -- run one e2e test on another guest kernel.
# Usage: on_kernel.sh KERNEL TEST.sh [BUILD_DIR]   (KERNEL: 6.1, 6.12, an ABI, debug; see
#        harness/vm/fetch-kernel.sh)
# Builds muse.ko for KERNEL once (BUILD_DIR/kmod-ABI, rebuilt only when kmod/ changed),
# then runs TEST.sh with FLASHFAULT_KERNEL=ABI and FLASHFAULT_MUSE_KO set, so the rig,
# the test's own module check and `flashfault run` all use that kernel; results go to
# BUILD_DIR/e2e-KERNEL/ so they do not replace the default kernel's.
# Exit: the test's; 1 when the kernel or its headers cannot be had (the suite promises both).
# Must not: change the test's assertions; a test passes here by the same checks.
set -euo pipefail
spec="${1:?usage: on_kernel.sh KERNEL TEST.sh [BUILD_DIR]}" test="${2:?usage: on_kernel.sh KERNEL TEST.sh [BUILD_DIR]}"
shift 2
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$repo/build}"
if ! built="$(bash "$repo/harness/setup/build-kmod.sh" --kernel "$spec" "$build")"; then
    echo "FAIL $(basename "$test" .sh) on $spec: muse.ko could not be built for it (see above)"
    exit 1
fi
eval "$(grep -E '^(ABI|MUSE_KO)=' <<<"$built")"
export FLASHFAULT_KERNEL="$ABI" FLASHFAULT_MUSE_KO="$MUSE_KO"
export E2E_OUT_DIR="$(cd "$build" && pwd)/e2e-$spec"
echo "[e2e] on kernel $ABI (module $MUSE_KO)" >&2
exec bash "$test" "$build"
