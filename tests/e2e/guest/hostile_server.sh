#!/bin/sh
# tests/e2e/guest/hostile_server.sh -- guest side of hostile_server (busybox ash).
# Loads muse.ko and runs /hostile_muse (tests/e2e/hostile_muse.c): impossible INITs, bad
# framing, lying read replies, a server that dies with a reader blocked, 1000 open/close
# cycles. Then the kernel log must show no oops, BUG, WARNING, KASAN report or hung task,
# and rmmod muse must succeed (no connection or MTD left holding it).
# Must not: wait on anything without a deadline (the program bounds each case itself).
. /ff/lib.sh
dmesg_mark
ff_step setup
load_mtd_stack
insmod /muse.ko || ff_fail "insmod /muse.ko failed"
i=0; while [ ! -c /dev/muse ] && [ $i -lt 100 ]; do usleep 20000; i=$((i + 1)); done
ff_step hostile
bounded 300 /hostile_muse 1000 >/tmp/hostile.out 2>&1
rc=$?
cat /tmp/hostile.out
ff_step unload
bounded 30 rmmod muse || ff_fail "rmmod muse failed after the hostile server"
check_dmesg_no_crash hostile
[ "$rc" = 0 ] || ff_fail "hostile_muse: $(grep -c ': FAIL' /tmp/hostile.out) case(s) failed (exit $rc)"
echo "hostile_server: ok, $(grep -c ': ok$' /tmp/hostile.out) cases"
