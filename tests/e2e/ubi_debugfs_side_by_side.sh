#!/bin/bash
# tests/e2e/ubi_debugfs_side_by_side.sh -- e2e: the same faults through UBI's debugfs test
# knobs and through flashfault, in one guest (issue 19; run on 6.12 by e2e_612_*, works on
# 6.1 too). See guest/ubi_debugfs_side_by_side.sh for the faults and the workload.
# Usage: ubi_debugfs_side_by_side.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites.
# Pass: every flashfault fault fired (seeded, so always) and UBI's power cut fired exactly
# once (a counter); the workload survives bit-flips on both sides; after either power cut
# a re-attach mounts again; no bug signal in the kernel log. UBI's random knobs are
# unseeded: their counts are reported, not asserted. Prints the side-by-side table.
# Must not: pass when a flashfault fault did not fire (nothing would be compared).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_init ubi_debugfs_side_by_side "$@"
e2e_muse_files
e2e_run "$E2E_REPO/tests/e2e/guest/ubi_debugfs_side_by_side.sh" --timeout 900 "${E2E_FILES[@]}"
[ "$E2E_RC" = 0 ] ||
    e2e_fail "guest script failed (exit $E2E_RC): $(grep -m1 -E '^(FAIL|HUNG)' "$E2E_OUT/guest.log" || true)"
field() { sed -n "s/^SIDE fault=$1 by=$2 .*$3=\([^ ]*\).*/\1/p" "$E2E_OUT/guest.log"; }
for f in bitflips io_failures power_cut; do
    [ "$(field $f flashfault fired)" -ge 1 ] || e2e_fail "flashfault's $f did not fire"
done
[ "$(field power_cut ubi fired)" = 1 ] || e2e_fail "UBI's emulated power cut fired $(field power_cut ubi fired) times, expected 1"
[ "$(field bitflips flashfault outcome)" = ok ] || e2e_fail "the workload failed under corrected bit-flips (flashfault)"
[ "$(field bitflips ubi outcome)" = ok ] || e2e_fail "the workload failed under emulated bit-flips (UBI)"
[ "$(grep -c '^RECOVER ' "$E2E_OUT/guest.log")" = 2 ] || e2e_fail "a recovery after a power cut did not finish"
grep -q '^ubi_debugfs_side_by_side: ok' "$E2E_OUT/guest.log" || e2e_fail "the guest did not report ok"
echo "kernel $(e2e_json kernel | tr -d '"'): $(grep '^UBI_FAULT_INJECTION' "$E2E_OUT/guest.log")"
grep -E '^(BASELINE|SIDE|RECOVER) ' "$E2E_OUT/guest.log"
e2e_pass
