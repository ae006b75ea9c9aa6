# The workload of e2e_ubi_debugfs_kinds (busybox ash, /ff/lib.sh loaded): every kind of
# UBI I/O the 18 scripts aim at, on a part that starts erased. Steps that fail under a
# fault say so and the workload goes on; the reactions are in the kernel log.
M=$FF_MUSE_MTD
try() { "$@" >/tmp/try.out 2>&1 || echo "step failed: $* ($(tail -n 1 /tmp/try.out))"; }
power_on() { echo 1 >"$FF_CTL/commands/power_on" 2>/dev/null || true; }
reattach() { try bounded 60 ubidetach -d 0; power_on; try bounded 300 ubiattach -m "$M" -d 0; }
# UBI's background work (erases, torture tests, scrubbing) is done when its thread sleeps
# in ubi_thread three looks in a row, 0.1 s apart (at most 15 s): a fixed sleep cost 5 s a
# kind and could still end before a slow torture test did.
ubi_settle() {
    pid="$(pidof ubi_bgt0d)" || { echo "ubi_settle: no UBI background thread"; return 0; }
    idle=0 n=0
    while [ "$n" -lt 150 ]; do
        [ "$(cat "/proc/$pid/wchan" 2>/dev/null)" = ubi_thread ] && idle=$((idle + 1)) || idle=0
        [ "$idle" -ge 3 ] && { echo "ubi_settle: idle after $n looks"; return 0; }
        sleep 0.1
        n=$((n + 1))
    done
    echo "ubi_settle: UBI's background thread still busy after 15 s"
}
# 1. An erased part: UBI formats it (EC header writes), makes its layout volume (VID writes).
try bounded 300 ubiattach -m "$M" -d 0
[ -c /dev/ubi0 ] || { power_on; try bounded 300 ubiattach -m "$M" -d 0; }
try bounded 60 ubimkvol /dev/ubi0 -N v -s 2MiB
# 2. LEB data written, read back, written again (the old PEBs erased, EC headers rewritten).
head -c 1048576 /dev/urandom >/tmp/d
try bounded 120 ubiupdatevol /dev/ubi0_0 /tmp/d
try bounded 60 dd if=/dev/ubi0_0 of=/dev/null bs=129024
try bounded 120 ubiupdatevol /dev/ubi0_0 /tmp/d
ubi_settle
# 3. Power back if it went; the attach scan reads every EC and VID header again.
reattach
try bounded 60 dd if=/dev/ubi0_0 of=/dev/null bs=129024
ubi_settle
try bounded 60 ubidetach -d 0
echo "kinds workload: done"
