#!/bin/bash
# tests/e2e/direct_reads_on_muse.sh -- e2e: the module serves clean reads from the
# server's shared store, and faults stay exact when a script or a power command arrives.
# Usage: direct_reads_on_muse.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass unless every step of the guest script reported.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_init direct_reads_on_muse "$@"
e2e_muse_files
e2e_run "$E2E_REPO/tests/e2e/guest/direct_reads_on_muse.sh" --timeout 300 "${E2E_FILES[@]}"
[ "$E2E_RC" = 0 ] || e2e_fail "guest script failed (exit $E2E_RC): $(grep -m1 -E '^(FAIL|HUNG)' "$E2E_OUT/guest.log" || true)"
e2e_need_clean_kernel_log
for step in "clean: " "fault: " "power: " "clean again: " "image: " "direct_reads_on_muse: ok"; do
    grep "^$step" "$E2E_OUT/guest.log" || e2e_fail "the guest did not report '$step'"
done
e2e_pass
