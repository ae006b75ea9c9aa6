#!/bin/bash
# tests/e2e/ubifs_on_muse.sh -- e2e: UBIFS on the MUSE-served NAND, checked against nandsim.
# Usage: ubifs_on_muse.sh [BUILD_DIR]   needs BUILD_DIR/flashfault and muse.ko (see
# e2e_muse_files in lib.sh). Exit 0 pass, 1 fail, 77 prerequisites missing.
# In one guest boot: nandsim reference figures; then muse.ko + `flashfault serve --preset
# slc-2k-128m`: ubiformat, ubiattach, ubimkvol, figures must equal nandsim's, UBIFS
# write / remount / verify every checksum, clean kernel log.
# Must not: pass when the guest printed no figures or skipped the verification.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_init ubifs_on_muse "$@"
e2e_muse_files
e2e_run "$E2E_REPO/tests/e2e/guest/ubifs_on_muse.sh" --timeout 420 "${E2E_FILES[@]}"
[ "$E2E_RC" = 0 ] || e2e_fail "guest script failed (exit $E2E_RC): $(grep -m1 -E '^(FAIL|HUNG|figures differ)' "$E2E_OUT/guest.log" || true)"
e2e_need_clean_kernel_log
grep '^FIGURES ' "$E2E_OUT/guest.log" || true
[ -n "$(e2e_figure muse peb_count)" ] || e2e_fail "no MUSE figures in the guest output"
grep -q 'verified [0-9]* files' "$E2E_OUT/guest.log" || e2e_fail "the checksum verification did not run"
grep -q '^ubifs_on_muse: ok' "$E2E_OUT/guest.log" || e2e_fail "guest did not report ok"
grep '^TIMING' "$E2E_OUT/guest.log" || true
e2e_pass
