#!/bin/sh
# tests/e2e/guest/server_sigkill.sh -- guest side of server_sigkill (busybox ash).
# UBIFS on the MUSE device with a writer running (dd ... conv=fsync in a loop); kill -9
# the server. Then, each step bounded by a deadline: the writer must fail (not hang, not
# succeed), umount and ubidetach must complete, the MTD must go away, rmmod muse must
# succeed, and the kernel must not oops, BUG, WARN or report a hung task. UBI/UBIFS errors
# are expected here (the device died) and are reported, not failed on.
# Then the same for readers: raw readers of a written MTD (mostly direct reads, served by
# the module from the shared store) and the server killed after a random delay (logged):
# the readers end with an error within a deadline, the MTD goes, rmmod succeeds.
# Must not: wait on anything without a deadline.
. /ff/lib.sh
preset=${FF_PRESET:-slc-2k-128m}
dmesg_mark

ff_step setup
load_mtd_stack
muse_start_server "$preset"
mtd=$FF_MUSE_MTD
ubi_prepare "$mtd" 0
ubifs_mount 0 /mnt/ubifs

ff_step writer
rm -f /tmp/writer.count
(
    i=0
    while :; do
        # Rewrite four files in turn, so the writer never fills the volume (ENOSPC).
        if ! dd if=/dev/urandom of=/mnt/ubifs/w$((i % 4)) bs=64k count=16 conv=fsync >/dev/null 2>/tmp/writer.err; then
            echo "writer: dd of file $i failed: $(tr '\n' ' ' </tmp/writer.err)"
            exit 1
        fi
        i=$((i + 1))
        echo $i >/tmp/writer.count
    done
) &
wpid=$!
n=0
while [ "$(cat /tmp/writer.count 2>/dev/null || echo 0)" -lt 2 ]; do
    ff_alive "$wpid" || ff_fail "the writer stopped before the server was killed"
    n=$((n + 1)); [ $n -lt 1200 ] || ff_fail "the writer made no progress in 60 s"
    usleep 50000
done
ff_log "writer has written $(cat /tmp/writer.count) files; killing the server (pid $FF_SERVER_PID)"

ff_step kill
kill -9 "$FF_SERVER_PID"
t0=$(ff_now)
bounded 90 wait_pid_gone "$wpid" || ff_fail "the writer is still running 90 s after the server died"
wrc=0; wait "$wpid" || wrc=$?
wait "$FF_SERVER_PID" 2>/dev/null || true
echo "TIMING writer_error_after_kill $(awk -v a="$t0" -v b="$(ff_now)" 'BEGIN{printf "%.2f", b-a}')s"
[ "$wrc" != 0 ] || ff_fail "the writer exited 0 although the server was killed"
grep -q 'No space left' /tmp/writer.err && ff_fail "the writer failed with ENOSPC, not because the server died"
ff_log "writer failed as expected (exit $wrc)"

ff_step umount
bounded 60 umount /mnt/ubifs || ff_fail "umount after the server died failed or hung"
ff_step detach
bounded 60 ubidetach -d 0 || ff_fail "ubidetach after the server died failed or hung"
ff_step mtd_gone
wait_mtd_gone "$mtd" "the last holder went"
ff_step rmmod
muse_rmmod
grep -q '^muse ' /proc/modules && ff_fail "muse still loaded after rmmod"

ff_step readers
muse_start_server "$preset"
mtd=$FF_MUSE_MTD
bounded 60 flash_erase -q "/dev/mtd$mtd" 0 16 || ff_fail "flash_erase failed"
head -c 2097152 /dev/zero | tr '\0' '\125' >/tmp/pattern
bounded 60 nandwrite -q "/dev/mtd$mtd" /tmp/pattern || ff_fail "nandwrite failed"
rpids=""
for r in 1 2; do
    ( while dd if="/dev/mtd$mtd" of=/dev/null bs=2048 count=1024 2>/tmp/reader$r.err; do :; done ) &
    rpids="$rpids $!"
done
# A random moment, logged; FF_KILL_DELAY_US=N replays one.
delay=${FF_KILL_DELAY_US:-$(( (RANDOM % 400 + 100) * 1000 ))}
ff_log "readers running; killing the server after ${delay} us (FF_KILL_DELAY_US=$delay replays it)"
usleep "$delay"
kill -9 "$FF_SERVER_PID"
for p in $rpids; do
    bounded 60 wait_pid_gone "$p" || ff_fail "a reader still runs 60 s after the server died"
done
wait "$FF_SERVER_PID" 2>/dev/null || true
ff_log "readers ended: $(cat /tmp/reader1.err /tmp/reader2.err | tr '\n' ' ')"
wait_mtd_gone "$mtd" "the readers ended"
muse_rmmod
grep -q '^muse ' /proc/modules && ff_fail "muse still loaded after rmmod (readers)"
echo "readers: ended with an error after the kill, MTD gone, module unloaded"

dmesg_since_mark /tmp/ff.dmesg.part || ff_fail "kernel log wrapped since dmesg_mark"
echo "KERNEL_LOG $(/ff/classify-dmesg.sh /tmp/ff.dmesg.part)"
check_dmesg_no_crash "after server SIGKILL"
ff_step done
echo "server_sigkill: ok"
