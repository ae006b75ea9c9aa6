#!/bin/bash
# tests/bench/guest_mtd_bench.sh -- MUSE MTD against nandsim, same geometry, same guest,
# one boot (targets: whole-eraseblock I/O >= 1.5x nandsim; random 2 KiB page reads
# >= 1.0x nandsim direct, >= 0.8x the ping-pong on the request path).
# Usage: guest_mtd_bench.sh [BUILD_DIR]
# Prints both devices' figures and the MUSE/nandsim ratios (higher = MUSE faster).
# Must not: run as a ctest (timings belong in benchmarks, not tests).
set -euo pipefail
source "$(dirname "$0")/../e2e/lib.sh"
e2e_init mtd_bench "$@"
e2e_muse_files
for tool in mtd_randread pingpong; do
    cc -O2 -static -Wall -Wextra -o "$E2E_OUT/$tool" "$E2E_REPO/tests/bench/$tool.c"
done
e2e_run "$E2E_REPO/tests/bench/guest/mtd_bench.sh" --timeout 600 "${E2E_FILES[@]}" \
    --file "$E2E_OUT/mtd_randread:/mtd_randread" --file "$E2E_OUT/pingpong:/pingpong"
[ "$E2E_RC" = 0 ] || e2e_fail "guest benchmark failed (exit $E2E_RC)"
grep '^BENCH \|MiB: ' "$E2E_OUT/guest.log"
value() { grep "^BENCH {\"label\":\"$1\"" "$E2E_OUT/guest.log" | sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" | head -1; }
echo "accel: $(e2e_json accel | tr -d '"'), boot to a ready guest $(e2e_json boot_seconds) s wall ($(e2e_json guest_uptime_at_ready) s guest uptime; target <= 3 s)"
# Times: speed vs nandsim = nandsim time / MUSE time (higher = MUSE faster).
for k in seq_read_s seq_write_s attach_mount_s; do
    for m in muse muse_plain; do
        awk -v k="$k" -v m="$m" -v nt="$(value nandsim "$k")" -v mt="$(value "$m" "$k")" \
            'BEGIN { printf "%-15s %-10s nandsim %7.3f s  %7.3f s  speed vs nandsim %.2fx\n", k, m, nt, mt, nt / mt }'
    done
done
# Rates: the direct path against nandsim; the request path against the bare round trip.
for k in rand_reads_per_s rand_reads_pinned_per_s; do
    for m in muse muse_plain; do
        awk -v k="$k" -v m="$m" -v n="$(value nandsim "$k")" -v r="$(value "$m" "$k")" \
            -v p="$(value pingpong "$k")" \
            'BEGIN { printf "%-24s %-10s %7.0f/s  nandsim %7.0f/s  ping-pong %6.0f/s  vs nandsim %.2fx  vs ping-pong %.2fx\n", k, m, r, n, p, r / n, r / p }'
    done
done
