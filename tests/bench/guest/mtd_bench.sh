#!/bin/sh
# tests/bench/guest/mtd_bench.sh -- guest side of the MTD benchmark (busybox ash).
# Runs the same measurements on nandsim and on the MUSE MTD of the same geometry, in
# one boot, and prints one "BENCH {json}" line per device and path:
#   seq_read_s    dd of the whole 128 MiB MTD with 128 KiB reads (pinned to CPU 0)
#   seq_write_s   flash_erase of the whole MTD, then dd of 128 MiB onto it (pinned)
#   rand_reads_per_s         random 2 KiB page reads per second (mtd_randread, same seed)
#   rand_reads_pinned_per_s  the same with reader (and MUSE server) on CPU 0
#   attach_mount_s           on 256 MiB (slc-2k-256m): a UBIFS volume holding 16 MiB of
#                            files, ubiattach + mount + umount + ubidetach
# Labels: nandsim; muse (default server: clean reads served by the module from the
# shared store); muse_plain (serve --no-direct-reads: every read is a request). Plus
# "pingpong": the bare socketpair round trip (2 KiB replies), unpinned and on one CPU,
# the reference for a synchronous request path.
# Must not: compare or judge; the host side prints the ratios.
set -e
. /ff/lib.sh
reads=${FF_RAND_READS:-20000}

secs_since() { echo "$(ff_now) $1" | awk '{printf "%.3f", $1 - $2}'; }

# A MUSE server, when there is one, is free like the reader for the unpinned figure and
# shares CPU 0 with it for the pinned one, as the two ping-pong processes do.
server_cpus() { [ -n "${FF_SERVER_PID:-}" ] && taskset -p "$1" "$FF_SERVER_PID" >/dev/null; return 0; }

rand_reads() { # MTD -> "unpinned pinned"
    server_cpus 3
    _r=$(/mtd_randread "/dev/mtd$1" 2048 "$reads" 42 | sed -n 's/.*rate=//p')
    server_cpus 1
    _p=$(taskset 1 /mtd_randread "/dev/mtd$1" 2048 "$reads" 42 | sed -n 's/.*rate=//p')
    echo "$_r $_p"
}

measure() { # LABEL MTD: sequential and random I/O on the 128 MiB device
    _dev=/dev/mtd$2
    # Readers and writers run pinned to CPU 0, like the MUSE server: under TCG a
    # wakeup across vCPUs costs milliseconds and would measure nothing else.
    t0=$(ff_now); taskset 1 dd if="$_dev" of=/dev/null bs=128k 2>/dev/null
    seq_read=$(secs_since "$t0")
    t0=$(ff_now)
    flash_erase -q "$_dev" 0 0
    taskset 1 dd if=/dev/zero of="$_dev" bs=128k 2>/dev/null || true  # stops at the device's end
    seq_write=$(secs_since "$t0")
    set -- "$1" "$2" $(rand_reads "$2")
    echo "BENCH {\"label\":\"$1\",\"seq_read_s\":$seq_read,\"seq_write_s\":$seq_write,\"rand_reads_per_s\":$3,\"rand_reads_pinned_per_s\":$4}"
}

attach_mount() { # LABEL MTD: prepare a filled UBIFS volume, then time attach + mount
    ubi_prepare "$2" 0
    ubifs_mount 0 /mnt/ubifs
    _i=0
    while [ $_i -lt 16 ]; do
        dd if=/dev/urandom of=/mnt/ubifs/f$_i bs=64k count=16 2>/dev/null; _i=$((_i + 1))
    done
    ubifs_umount /mnt/ubifs
    ubi_detach 0
    t0=$(ff_now)
    ubi_attach "$2" 0
    ubifs_mount 0 /mnt/ubifs
    ubifs_umount /mnt/ubifs
    ubi_detach 0
    echo "BENCH {\"label\":\"$1\",\"attach_mount_s\":$(secs_since "$t0")}"
}

pp=$(/pingpong 2048 "$reads" | sed -n 's/.*rate=//p')
pp_pinned=$(taskset 1 /pingpong 2048 "$reads" | sed -n 's/.*rate=//p')
echo "BENCH {\"label\":\"pingpong\",\"rand_reads_per_s\":$pp,\"rand_reads_pinned_per_s\":$pp_pinned}"

load_mtd_stack
mtd=$(nandsim_load_2k128m)
measure nandsim "$mtd"
rmmod nandsim
modprobe nandsim first_id_byte=0xec second_id_byte=0xda third_id_byte=0x00 \
    fourth_id_byte=0x15 || ff_fail "modprobe nandsim (256 MiB) failed"
mtd=$(wait_mtd 10 "NAND simulator partition 0") || ff_fail "256 MiB nandsim did not appear"
attach_mount nandsim "$mtd"
rmmod nandsim

# muse_plain first: the first MUSE run after nandsim pays for fresh guest memory (about
# 0.5 s more on seq_write in either order), and the default path is the one we report.
for label in muse_plain muse; do
    extra=""
    [ "$label" = muse_plain ] && extra=--no-direct-reads
    muse_start_server slc-2k-128m $extra
    server_cpus 1   # the pinned sequential I/O shares its CPU
    measure "$label" "$FF_MUSE_MTD"
    muse_stop_server
    sed -n "s/^flashfault serve: \(.*direct.*\)/$label 128 MiB: \1/p" /tmp/server.log
    muse_start_server slc-2k-256m $extra
    attach_mount "$label" "$FF_MUSE_MTD"
    muse_stop_server
    sed -n "s/^flashfault serve: \(.*direct.*\)/$label 256 MiB: \1/p" /tmp/server.log
done
echo "mtd_bench: ok"
