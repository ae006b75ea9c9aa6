#!/bin/sh
# tests/bench/guest/mtd_bench.sh -- guest side of the MTD benchmark (busybox ash).
# Runs the same measurements on nandsim and on the MUSE MTD of the same geometry
# (slc-2k-128m), in one boot, and prints one "BENCH {json}" line per device:
#   seq_read_s    dd of the whole MTD with 128 KiB reads (pinned to CPU 0)
#   seq_write_s   flash_erase of the whole MTD, then dd of 128 MiB onto it (pinned)
#   rand_reads_per_s         random 2 KiB page reads per second (mtd_randread, same seed)
#   rand_reads_pinned_per_s  the same with reader (and MUSE server) on CPU 0
# and one "BENCH {json}" line for the bare socketpair ping-pong (2 KiB replies),
# unpinned and pinned to one CPU: the reference for a synchronous round trip.
#   attach_s      ubiformat'ed device: ubiattach + UBIFS mount + umount + ubidetach
# Must not: compare or judge; the host side prints the ratios.
set -e
. /ff/lib.sh
reads=${FF_RAND_READS:-20000}

measure() { # LABEL MTD
    _dev=/dev/mtd$2
    # Readers and writers run pinned to CPU 0, like the MUSE server: under TCG a
    # wakeup across vCPUs costs milliseconds and would measure nothing else.
    t0=$(ff_now); taskset 1 dd if="$_dev" of=/dev/null bs=128k 2>/dev/null; t1=$(ff_now)
    seq_read=$(echo "$t1 $t0" | awk '{printf "%.3f", $1 - $2}')
    t0=$(ff_now)
    flash_erase -q "$_dev" 0 0
    taskset 1 dd if=/dev/zero of="$_dev" bs=128k 2>/dev/null || true  # stops at the device's end
    t1=$(ff_now)
    seq_write=$(echo "$t1 $t0" | awk '{printf "%.3f", $1 - $2}')
    rand=$(/mtd_randread "$_dev" 2048 "$reads" 42 | sed -n 's/.*rate=//p')
    pinned=$(taskset 1 /mtd_randread "$_dev" 2048 "$reads" 42 | sed -n 's/.*rate=//p')
    ubi_prepare "$2" 0
    ubi_detach 0
    t0=$(ff_now)
    ubi_attach "$2" 0
    ubifs_mount 0 /mnt/ubifs
    ubifs_umount /mnt/ubifs
    ubi_detach 0
    t1=$(ff_now)
    attach=$(echo "$t1 $t0" | awk '{printf "%.3f", $1 - $2}')
    echo "BENCH {\"label\":\"$1\",\"seq_read_s\":$seq_read,\"seq_write_s\":$seq_write,\"rand_reads_per_s\":$rand,\"rand_reads_pinned_per_s\":$pinned,\"attach_mount_s\":$attach}"
}

pp=$(/pingpong 2048 "$reads" | sed -n 's/.*rate=//p')
pp_pinned=$(taskset 1 /pingpong 2048 "$reads" | sed -n 's/.*rate=//p')
echo "BENCH {\"label\":\"pingpong\",\"rand_reads_per_s\":$pp,\"rand_reads_pinned_per_s\":$pp_pinned}"

load_mtd_stack
mtd=$(nandsim_load_2k128m)
measure nandsim "$mtd"
rmmod nandsim
muse_start_server slc-2k-128m
taskset -p 1 "$FF_SERVER_PID" >/dev/null  # the pinned reads share its CPU
measure muse "$FF_MUSE_MTD"
muse_stop_server
echo "mtd_bench: ok"
