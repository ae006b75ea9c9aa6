#!/bin/bash
# tests/e2e/nandsim_figures.sh -- e2e: UBI attach figures of a 128 MiB 2048+64 nandsim.
# Usage: nandsim_figures.sh [BUILD_DIR]   (exit 0 pass, 1 fail; results in BUILD_DIR/e2e/)
# Boots the guest, loads nandsim (ID ec a1 00 15), ubiformat + ubiattach, and checks the
# figures UBI reports against the expected ones; also runs the UBIFS write/verify cycle.
# Must not: need the flashfault binary or muse.ko.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_init nandsim_figures "$@"
e2e_run "$E2E_REPO/tests/e2e/guest/nandsim_figures.sh" --timeout 240
[ "$E2E_RC" = 0 ] || e2e_fail "guest script failed (exit $E2E_RC)"
e2e_need_clean_kernel_log
grep '^FIGURES ' "$E2E_OUT/guest.log" || e2e_fail "no FIGURES line in the guest output"

# Expected for 1024 PEBs of 128 KiB, 2 KiB pages with 4 sub-pages (soft ECC, 8 x 256 B steps):
# the VID header sits in the second sub-page (512), data starts at 2048, so LEB = 128 KiB - 2 KiB.
for kv in peb_count=1024 peb_size=131072 leb_size=129024 min_io=2048 subpage=512 \
          vid_hdr_offset=512 data_offset=2048 mtd_writesize=2048 mtd_oobsize=64 \
          mtd_erasesize=131072 mtd_size=134217728; do
    got="$(e2e_figure nandsim "${kv%%=*}")"
    [ "$got" = "${kv#*=}" ] || e2e_fail "figure ${kv%%=*} is '$got', expected ${kv#*=}"
done
grep -q '^nandsim_figures: ok' "$E2E_OUT/guest.log" || e2e_fail "guest did not report ok"
grep '^TIMING' "$E2E_OUT/guest.log" || true
e2e_pass
