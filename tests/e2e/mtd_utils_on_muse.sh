#!/bin/bash
# tests/e2e/mtd_utils_on_muse.sh -- e2e: mtd-utils and JFFS2 on the MUSE MTD, with the
# negotiated extensions (combined data+OOB, ECC values), and a v3 regression run.
# Usage: mtd_utils_on_muse.sh [BUILD_DIR]   needs BUILD_DIR/flashfault and muse.ko (see
# e2e_muse_files in lib.sh). Exit 0 pass, 1 fail, 77 prerequisites missing.
# In one guest boot (see guest/mtd_utils_on_muse.sh): nandtest, flash_erase, nandwrite -o /
# nanddump -o round trips (ECC and raw), mtd_debug, sysfs ECC values, JFFS2 through
# mtdblock on NAND (flash_erase -j) and on NOR; then muse.ko fuse_minor=33: no extensions,
# nandwrite -o fails, UBI attach works; clean kernel log.
# Must not: pass when the guest skipped a step (each prints a line checked below).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_init mtd_utils_on_muse "$@"
e2e_muse_files
e2e_run "$E2E_REPO/tests/e2e/guest/mtd_utils_on_muse.sh" --timeout 600 "${E2E_FILES[@]}"
[ "$E2E_RC" = 0 ] || e2e_fail "guest script failed (exit $E2E_RC): $(grep -m1 -E '^(FAIL|HUNG)' "$E2E_OUT/guest.log" || true)"
e2e_need_clean_kernel_log
for line in 'nandwrite -o / nanddump -o: 70 pages' 'nandwrite -n -o / nanddump -n -o: 66 raw' \
    'mtd_debug erase/write/read: ok' 'jffs2 nand: ok' 'jffs2 nor: ok' \
    'v3: nandwrite -o fails as expected' '^FIGURES {"label":"muse-v3"' '^mtd_utils_on_muse: ok'; do
    grep -q "$line" "$E2E_OUT/guest.log" || e2e_fail "guest output lacks '$line'"
done
[ "$(grep -c 'verified [0-9]* files' "$E2E_OUT/guest.log")" -ge 2 ] || e2e_fail "JFFS2 checksums were not verified twice"
grep -E '^(TIMING|sysfs)' "$E2E_OUT/guest.log" || true
e2e_pass
