#!/bin/sh
# tests/e2e/guest/hostile_server.sh -- guest side of hostile_server (busybox ash).
# Loads muse.ko and runs /hostile_muse (tests/e2e/hostile_muse.c): impossible INITs, bad
# framing, lying read replies, a server that dies with a reader blocked, 1000 open/close
# cycles. Then /hostile_muse_fuzz (tests/e2e/hostile_muse_fuzz.c, libFuzzer) for
# FF_FUZZ_SECONDS (default 60) with seed FF_FUZZ_SEED (default 1): every answer the input
# picks, each input checked for a released client and a vanished MTD; a failing input is
# kept and printed in hex (FUZZ_CRASH) so it can be replayed. Then the kernel log must show
# no oops, BUG, WARNING, KASAN report or hung task, muse.ko's live-object counters must be
# back to zero (memory returns), and rmmod muse must succeed (no connection or MTD left
# holding it).
# Must not: wait on anything without a deadline (the program bounds each case itself).
. /ff/lib.sh
dmesg_mark
ff_step setup
load_mtd_stack
insmod /muse.ko || ff_fail "insmod /muse.ko failed"
i=0; while [ ! -c /dev/muse ] && [ $i -lt 100 ]; do usleep 20000; i=$((i + 1)); done
# The live-object counters move: a real server holds a connection and a direct map while
# it serves, and gives both back when it exits (else the check at the end proves nothing).
live=/sys/kernel/debug/muse
[ -r $live/live_requests ] || ff_fail "muse.ko has no debugfs counters ($live)"
muse_start_server slc-2k-64m
[ "$(cat $live/live_connections)" = 1 ] && [ "$(cat $live/live_direct)" = 1 ] ||
    ff_fail "a serving server shows $(cat $live/live_connections) connections, $(cat $live/live_direct) direct maps"
kill "$FF_SERVER_PID"
bounded 30 wait_pid_gone "$FF_SERVER_PID" || ff_fail "the server did not exit after SIGTERM"
wait "$FF_SERVER_PID" 2>/dev/null
ff_step hostile
bounded 300 /hostile_muse 1000 >/tmp/hostile.out 2>&1
rc=$?
cat /tmp/hostile.out
fuzz_rc=0
if [ -x /hostile_muse_fuzz ]; then
    ff_step fuzz
    mkdir -p /tmp/fuzz/corpus /tmp/fuzz/crash
    bounded $(( ${FF_FUZZ_SECONDS:-60} + 120 )) /hostile_muse_fuzz -seed="${FF_FUZZ_SEED:-1}" \
        -max_total_time="${FF_FUZZ_SECONDS:-60}" -timeout=60 -max_len=512 -print_final_stats=1 \
        -artifact_prefix=/tmp/fuzz/crash/ /tmp/fuzz/corpus >/tmp/fuzz.out 2>&1
    fuzz_rc=$?
    [ "$fuzz_rc" = 0 ] || tail -n 40 /tmp/fuzz.out
    grep -E '^(hostile_muse_fuzz:|Done [0-9]+ runs|stat::number_of_executed_units|==[0-9]+== ERROR)' /tmp/fuzz.out
    for f in /tmp/fuzz/crash/*; do
        [ -f "$f" ] && echo "FUZZ_CRASH $f $(od -An -tx1 "$f" | tr -d ' \n')"
    done
    echo "FUZZ runs=$(sed -n 's/^stat::number_of_executed_units: *//p' /tmp/fuzz.out) corpus=$(ls /tmp/fuzz/corpus | wc -l) exit=$fuzz_rc seed=${FF_FUZZ_SEED:-1}"
fi
ff_step unload
# Memory returns: every connection, request and direct map the module allocated is freed
# once the servers are gone (muse.ko counts them in debugfs; module exit warns otherwise).
n=0
until [ "$(cat $live/live_connections $live/live_requests $live/live_direct | tr -d '\n')" = 000 ]; do
    n=$((n + 1))
    [ $n -lt 100 ] || ff_fail "objects still alive 10 s after the last server: connections $(cat $live/live_connections), requests $(cat $live/live_requests), direct maps $(cat $live/live_direct)"
    usleep 100000
done
echo "LIVE connections=0 requests=0 direct=0"
bounded 30 rmmod muse || ff_fail "rmmod muse failed after the hostile server"
check_dmesg_no_crash hostile
[ "$rc" = 0 ] || ff_fail "hostile_muse: $(grep -c ': FAIL' /tmp/hostile.out) case(s) failed (exit $rc)"
[ "$fuzz_rc" = 0 ] || ff_fail "hostile_muse_fuzz failed (exit $fuzz_rc): $(grep -m1 '^hostile_muse_fuzz:' /tmp/fuzz.out)"
echo "hostile_server: ok, $(grep -c ': ok$' /tmp/hostile.out) cases"
