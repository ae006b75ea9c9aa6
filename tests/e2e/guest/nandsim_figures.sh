#!/bin/sh
# tests/e2e/guest/nandsim_figures.sh -- guest side of nandsim_figures (busybox ash).
# Loads nandsim as a 128 MiB, 2048+64, 64 pages/block NAND, checks the MTD geometry,
# ubiformat + ubiattach, prints the UBI attach figures (FIGURES line), then runs the
# UBIFS write/remount/verify cycle on it, and checks the kernel log.
# Must not: depend on the flashfault binary or muse.ko (this is the reference run).
set -e
. /ff/lib.sh
dmesg_mark

ff_step load
load_mtd_stack
# ID ec a1 00 15: Samsung, 128 MiB 8-bit; 4th byte 0x15 = 2 KiB pages, 64 B OOB, 128 KiB blocks
modprobe nandsim first_id_byte=0xec second_id_byte=0xa1 third_id_byte=0x00 fourth_id_byte=0x15 ||
    ff_fail "modprobe nandsim failed"
mtd=$(wait_mtd 10 "NAND simulator partition 0") || ff_fail "nandsim's mtd did not appear"
cat /proc/mtd
m=/sys/class/mtd/mtd$mtd
echo "MTD {\"size\":$(cat $m/size),\"writesize\":$(cat $m/writesize),\"oobsize\":$(cat $m/oobsize),\"erasesize\":$(cat $m/erasesize),\"subpagesize\":$(cat $m/subpagesize),\"type\":\"$(cat $m/type)\"}"
[ "$(cat $m/size)" = 134217728 ] || ff_fail "nandsim size $(cat $m/size), want 134217728"
[ "$(cat $m/writesize)" = 2048 ] || ff_fail "nandsim writesize $(cat $m/writesize), want 2048"
[ "$(cat $m/oobsize)" = 64 ] || ff_fail "nandsim oobsize $(cat $m/oobsize), want 64"
[ "$(cat $m/erasesize)" = 131072 ] || ff_fail "nandsim erasesize $(cat $m/erasesize), want 131072 (64 pages)"

ff_step format
bounded 120 ubiformat -y -q "/dev/mtd$mtd" || ff_fail "ubiformat failed"
ff_step attach
ubi_attach "$mtd" 0
ff_step figures
ubi_figures 0 nandsim
ubi_detach 0

ff_step ubifs_cycle
t0=$(ff_now)
ubifs_write_verify "$mtd" 0 /mnt/ubifs
echo "TIMING ubifs_write_verify $(awk -v a="$t0" -v b="$(ff_now)" 'BEGIN{printf "%.2f", b-a}')s"

rmmod nandsim || ff_fail "rmmod nandsim failed"
check_dmesg_clean nandsim
ff_step done
echo "nandsim_figures: ok"
