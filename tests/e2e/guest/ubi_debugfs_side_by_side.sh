#!/bin/sh
# tests/e2e/guest/ubi_debugfs_side_by_side.sh -- guest side of ubi_debugfs_side_by_side.
# The same three faults through UBI's own debugfs test knobs and through flashfault, on
# one MUSE device in one guest, under the same UBIFS workload (16 files of 256 KiB written,
# synced, caches dropped, read back and checked):
#   bitflips     tst_emulate_bitflips (1 in 200 UBI reads claims bit-flips; no bit changes)
#                vs a read_bitflip script (1 in 200 MTD reads flips 3 real bits in the first
#                ECC step: corrected, and at the MTD's bitflip threshold, so UBI scrubs)
#   io_failures  tst_emulate_io_failures (1 in 500 UBI writes, 1 in 400 erases fail)
#                vs program_fail (1 in 100 MTD write requests, nothing programmed) +
#                erase_fail (1 in 100 erases, block left partly erased): an MTD request
#                carries what several UBI writes do, so the odds are per request
#   power_cut    tst_emulate_power_cut on EC and VID header writes after N of them (UBI
#                goes read-only; nothing is written or torn) vs power_cut at the N-th
#                program of a header page (page 0 of a block: EC and VID headers, 512 B
#                subpages here; the page is torn, the device loses power),
#                then power back, detach, re-attach and mount: what survived
# Prints "SIDE fault=... by=ubi|flashfault fired=N mtd_ops=N seconds=S outcome=... scrubbed=N
# ubi_errors=N ubifs_errors=N" per run and "BASELINE seconds=S".
# Must not: wait without a deadline; leave a knob or a script armed into the next run.
. /ff/lib.sh
FF_CTL=/tmp/ff-ctl
files=16
grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs none /sys/kernel/debug

ff_step setup
load_mtd_stack mtd ubi zstd deflate ubifs fuse
muse_start_server slc-2k-128m --control "$FF_CTL"
mtd=$FF_MUSE_MTD
ubi_prepare "$mtd" 0
dbg=/sys/kernel/debug/ubi/ubi0
for k in tst_emulate_bitflips tst_emulate_io_failures tst_emulate_power_cut \
         tst_emulate_power_cut_min tst_emulate_power_cut_max; do
    [ -e "$dbg/$k" ] || ff_fail "UBI's debugfs has no $k on $(uname -r)"
done
if [ -e "$dbg/emulate_failures" ]; then echo "UBI_FAULT_INJECTION yes"; else echo "UBI_FAULT_INJECTION no"; fi
ubifs_mount 0 /mnt/ubifs
head -c 262144 /dev/urandom >/tmp/data
sum=$(md5sum </tmp/data | cut -d' ' -f1)

# workload: write the files, sync, drop caches, read back; 0 when every file came back.
workload() {
    rm -f /mnt/ubifs/f* 2>/dev/null
    i=0
    while [ $i -lt $files ]; do
        cp /tmp/data "/mnt/ubifs/f$i" 2>/dev/null || return 1
        i=$((i + 1))
    done
    sync -f /mnt/ubifs 2>/dev/null || return 1
    echo 3 >/proc/sys/vm/drop_caches
    i=0
    while [ $i -lt $files ]; do
        [ "$(md5sum <"/mnt/ubifs/f$i" 2>/dev/null | cut -d' ' -f1)" = "$sum" ] || return 1
        i=$((i + 1))
    done
    return 0
}

fires() { sed -n 's/.*"fires": \([0-9]*\).*/\1/p' "$FF_CTL/stats.json" | awk '{ n += $1 } END { print n + 0 }'; }
ops() { sed -n 's/^ *"ops": \([0-9]*\).*/\1/p' "$FF_CTL/stats.json" | head -n1; }
since_mark() { dmesg_since_mark /tmp/side.log; grep -c "$1" /tmp/side.log; }
disarm() {
    for k in tst_emulate_bitflips tst_emulate_io_failures tst_emulate_power_cut; do echo 0 >"$dbg/$k"; done
    printf '{"faults": []}\n' >"$FF_CTL/script" || ff_fail "clearing the script failed"
}

# run FAULT BY ARM...: arm, run the workload timed, report; the knob or script disarmed after.
run() {
    fault=$1 by=$2; shift 2
    dmesg_mark
    f0=$(fires) o0=$(ops)
    "$@"
    t0=$(ff_now)
    if bounded 300 workload; then outcome=ok; else outcome=failed; fi
    t1=$(ff_now)
    f1=$(fires) o1=$(ops)   # before disarming: a new script starts new counters
    disarm
    if [ "$by" = ubi ]; then
        fired=$(since_mark '(emulated)\|emulating a power cut')
        [ "$fault" = bitflips ] && fired=$(since_mark 'scrubbed PEB\|fixable bit-flip')
    else
        fired=$((f1 - f0))
    fi
    echo "SIDE fault=$fault by=$by fired=$fired mtd_ops=$((o1 - o0)) seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" \
         "outcome=$outcome scrubbed=$(since_mark 'scrubbed PEB') ubi_errors=$(since_mark 'ubi0 error')" \
         "ubifs_errors=$(since_mark 'UBIFS error')"
}

# recover: power back on (flashfault), then detach and re-attach UBI and mount again; prints
# whether the files written before the cut came back.
recover() {
    [ "$1" = flashfault ] && echo on >"$FF_CTL/commands/power_on"
    bounded 60 umount /mnt/ubifs 2>/dev/null || umount -l /mnt/ubifs 2>/dev/null
    ubi_detach 0
    ubi_attach "$mtd" 0
    ubifs_mount 0 /mnt/ubifs
    ok=0 i=0
    while [ $i -lt $files ]; do
        [ "$(md5sum <"/mnt/ubifs/f$i" 2>/dev/null | cut -d' ' -f1)" = "$sum" ] && ok=$((ok + 1))
        i=$((i + 1))
    done
    echo "RECOVER by=$1 files_intact=$ok/$files"
}

arm_ubi() { echo "$2" >"$dbg/$1"; }
arm_script() { printf '%s\n' "$1" >"$FF_CTL/script" || ff_fail "installing the script failed"; }

ff_step baseline
t0=$(ff_now)
bounded 300 workload || ff_fail "the workload failed with no fault armed"
echo "BASELINE seconds=$(awk -v a="$t0" -v b="$(ff_now)" 'BEGIN { printf "%.2f", b - a }')"

ff_step bitflips
run bitflips ubi arm_ubi tst_emulate_bitflips 1
run bitflips flashfault arm_script '{"seed": 3, "faults": [{"id": "flip", "kind": "read_bitflip",
  "where": {"bytes": [0, 511]}, "when": {"ops": ["read"], "probability": 0.005}, "flips": 3}]}'

ff_step io_failures
run io_failures ubi arm_ubi tst_emulate_io_failures 1
run io_failures flashfault arm_script '{"seed": 3, "faults": [
  {"id": "prog", "kind": "program_fail", "when": {"ops": ["write"], "probability": 0.01}, "program_effect": "unchanged"},
  {"id": "erase", "kind": "erase_fail", "when": {"ops": ["erase"], "probability": 0.01}, "erase_effect": "partial"}]}'

ff_step power_cut
echo 20 >"$dbg/tst_emulate_power_cut_min"; echo 20 >"$dbg/tst_emulate_power_cut_max"
run power_cut ubi arm_ubi tst_emulate_power_cut 3
recover ubi
run power_cut flashfault arm_script '{"seed": 3, "faults": [{"id": "cut", "kind": "power_cut",
  "where": {"pages": 0}, "when": {"ops": ["write"], "nth_match": 20}, "torn_fraction": 0.5}]}'
recover flashfault

ff_step done
ubifs_umount /mnt/ubifs
ubi_detach 0
muse_stop_server
check_dmesg_no_crash side_by_side
echo "ubi_debugfs_side_by_side: ok"
