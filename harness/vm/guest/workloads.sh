# harness/vm/guest/workloads.sh -- the built-in workloads of `flashfault run` (busybox ash;
# source after /ff/lib.sh). A scenario's "workload": "ubifs-write-verify" calls
# wl_ubifs_write_verify MTD in a subshell with `set -e`; its exit status is the workload's.
#
#   wl_begin / wl_end          before the server starts / after the workload: modules, dmesg
#                              mark; stop the server, print the fault summary
#   wl_after                   after a scenario's subshell (flashfault run): clears what a
#                              failed scenario left (mounts, UBI, server, muse.ko) for the
#                              next (the host cuts its kernel log from the stream by slice)
#   wl_settle                  give UBI's background worker time to finish scrubs/torture
#   wl_ubi_attach MTD          ubiformat, attach, mkvol; detach; attach again
#   wl_ubifs_write_verify MTD  UBIFS: write, rewrite, sync, remount, verify every checksum
#   wl_ubifs_powercut MTD      UBIFS: write+sync set A, write set B, power cut and power on
#                              through the control directory, reattach, verify set A
#   wl_jffs2_write_verify MTD  JFFS2 through mtdblock: write, remount, verify
#   wl_mtd_utils MTD           flash_erase, nandtest, nandwrite/nanddump with OOB, mtd_debug
#   wl_explore_check MTD       a crash state of `flashfault explore` (FF_CRASH_*): attach,
#                              mount with self-checks, the oracle, the space check, unmount
#   wl_fuzz_check MTD          a finding of `flashfault fuzz` (FF_FUZZ_*): the fuzz agent runs
#                              the case as it ran while fuzzing; fails when it fails again
# Facts for the host are "FFRUN ..." lines; failures use ff_fail ("FAIL: ...").
# Must not: print lines starting with "FLASHFAULT-", power off, or decide a verdict.

FF_EVENTS=/tmp/ff.events
FF_CTL=/tmp/ff-ctl
. "${FF_LIB:-/ff}/snippet.sh"

wl_begin() {
    dmesg_mark
    rm -f /tmp/ff.server.* "$FF_EVENTS".* /tmp/server.log.*   # a previous scenario's
    load_mtd_stack mtd ubi zstd deflate ubifs jffs2 mtdblock fuse   # fuse: serve --control
}

# Scrubbing and torture run in UBI's background thread; detach cancels pending work.
wl_settle() { sync; sleep "${FF_SETTLE_SECS:-2}"; }

# wl_fault_summary: one "FFRUN fault ID KIND FIRINGS INJECTIONS" line per fault that fired
# (from the event log the server flushed when it exited; a fault installed at run time
# through "ctl script" counts the same way), and "FFRUN fault ctl:power_off ctl N" for
# commands. A firing may inject several records and leave after-effects recorded later
# (re-reads of unstable cells, ops refused by a block gone bad): each record carries the
# number of its firing ("fire"), so firings are the distinct numbers, not the records.
wl_fault_summary() {
    [ -f "$FF_EVENTS" ] || { echo "FFRUN events missing"; return 0; }
    # The log is mostly op records, megabytes of them after a long workload: grep -F counts
    # them, and hands awk only the script starts, fault and command records (one pass each;
    # a sed over every line with backtracking took seconds per scenario under TCG).
    _ops=$(cat "$FF_EVENTS".[0-9][0-9][0-9] "$FF_EVENTS" 2>/dev/null | grep -c -F '{"t":"op"')
    cat "$FF_EVENTS".[0-9][0-9][0-9] "$FF_EVENTS" 2>/dev/null |
        grep -F -e '{"t":"start"' -e '{"t":"fault"' -e '{"t":"ctl"' |
        awk 'function str(key) {   # the string value of "key":"..." in this record, or ""
                 if (!match($0, "\"" key "\":\"[^\"]*\"")) return ""
                 return substr($0, RSTART + length(key) + 4, RLENGTH - length(key) - 5)
             }
             # A new script ("start": ctl script, a crash state) numbers its firings from 1 again.
             /^\{"t":"start"/ { seg++; next }
             /^\{"t":"ctl"/ { d = str("do"); if (d == "power_off" || d == "power_on") ctl[d]++; next }
             /^\{"t":"fault"/ && match($0, /"fire":[0-9]+\}$/) {
                 fire = substr($0, RSTART + 7, RLENGTH - 8)
                 k = str("id") " " str("kind"); inj[k]++
                 if (fire == 0 || !seen[seg " " k " " fire]++) fires[k]++
             }
             END {
                 for (k in inj) print "FFRUN fault " k " " fires[k] " " inj[k] | "sort"
                 close("sort")
                 # power cuts and power-ons by command (ctl), not by the script
                 if (ctl["power_off"]) print "FFRUN fault ctl:power_off ctl " ctl["power_off"]
                 if (ctl["power_on"]) print "FFRUN fault ctl:power_on ctl " ctl["power_on"]
             }'
    echo "FFRUN ops $_ops"
}

wl_end() {
    # A workload that failed half-way may leave its file system mounted or UBI attached.
    for _m in /mnt/ubifs /mnt/jffs2; do
        grep -q " $_m " /proc/mounts && { bounded 60 umount "$_m" || ff_log "umount $_m failed"; }
    done
    [ -c /dev/ubi0 ] && { bounded 60 ubidetach -d 0 || ff_log "ubidetach -d 0 failed"; }
    if [ -f /tmp/ff.server.killed ]; then
        ff_log "the workload killed the server (ff_kill_server) and did not start it again"
        muse_rmmod
        echo "FFRUN server_exit killed"
    else
        muse_stop_server
        echo "FFRUN server_exit $_rc"
    fi
    sed 's/^/server: /' /tmp/server.log 2>/dev/null | tail -n 20
    wl_fault_summary
}

wl_ubi_attach() {
    ubi_prepare "$1" 0
    ff_report_ubi 0
    ubi_figures 0 muse
    ubi_detach 0
    ubi_attach "$1" 0
    ff_report_ubi 0
    wl_settle
    ff_report_ubi 0
    ubi_detach 0
}

wl_ubifs_write_verify() {
    _mnt=/mnt/ubifs
    ff_step ubiformat+attach+mkvol
    ubi_prepare "$1" 0
    ff_report_ubi 0
    ff_step ubifs-write
    ubifs_mount 0 "$_mnt"
    ff_write_files "$_mnt" /tmp/ff.md5
    # A second round over the first: UBIFS garbage-collects, UBI unmaps, erases and reuses.
    ff_step ubifs-rewrite
    rm -rf "${_mnt:?}"/*
    bounded 120 sync || ff_fail "sync hung"
    ff_write_files "$_mnt" /tmp/ff.md5
    ff_report_ubi 0
    ubifs_umount "$_mnt"
    wl_settle
    ubi_detach 0
    ff_step reattach
    ubi_attach "$1" 0
    ff_report_ubi 0
    ff_step ubifs-verify
    ubifs_mount 0 "$_mnt"
    ff_verify_files /tmp/ff.md5
    ubifs_umount "$_mnt"
    wl_settle
    ff_report_ubi 0
    ubi_detach 0
}

wl_ubifs_powercut() {
    _mnt=/mnt/ubifs
    ubi_prepare "$1" 0
    ff_report_ubi 0
    ubifs_mount 0 "$_mnt"
    mkdir -p "$_mnt/a" "$_mnt/b"
    ff_write_files "$_mnt/a" /tmp/ff.synced.md5   # ends with sync: these must survive
    ff_step powercut
    FF_FILE_SIZES="65536 1048576 3145728" ubifs_write_files_nosync "$_mnt/b" &
    _w=$!
    usleep 300000
    ff_power_cut
    bounded 60 wait_pid_gone "$_w" || ff_fail "the writer did not finish after the power cut"
    bounded 120 umount "$_mnt" || ff_log "umount after the power cut failed (expected after I/O errors)"
    bounded 60 ubidetach -d 0 || ff_fail "ubidetach after the power cut failed"
    ff_power_on
    ff_step reattach
    ubi_attach "$1" 0
    ff_report_ubi 0
    ubifs_mount 0 "$_mnt"
    ff_verify_files /tmp/ff.synced.md5
    ubifs_umount "$_mnt"
    ubi_detach 0
}

# ubifs_write_files_nosync DIR: like ff_write_files without the checksums or the sync
ubifs_write_files_nosync() {
    for _s in $FF_FILE_SIZES; do head -c "$_s" /dev/urandom >"$1/f$_s" 2>/dev/null || return 0; done
}

wl_jffs2_write_verify() {
    bounded 120 flash_erase -j -q "/dev/mtd$1" 0 0 || ff_fail "flash_erase -j /dev/mtd$1 failed"
    _i=0
    while [ ! -b "/dev/mtdblock$1" ] && [ $_i -lt 100 ]; do usleep 20000; _i=$((_i + 1)); done
    mkdir -p /mnt/jffs2
    bounded 300 mount -t jffs2 "/dev/mtdblock$1" /mnt/jffs2 || ff_fail "mount -t jffs2 /dev/mtdblock$1 failed"
    ff_write_files /mnt/jffs2 /tmp/ff.jffs2.md5
    bounded 120 umount /mnt/jffs2 || ff_fail "umount jffs2 failed"
    ff_step remount
    bounded 300 mount -t jffs2 "/dev/mtdblock$1" /mnt/jffs2 || ff_fail "remount -t jffs2 /dev/mtdblock$1 failed"
    ff_verify_files /tmp/ff.jffs2.md5
    bounded 120 umount /mnt/jffs2 || ff_fail "umount jffs2 failed"
}

wl_mtd_utils() {
    _d=/dev/mtd$1
    _eb=$(cat "/sys/class/mtd/mtd$1/erasesize")
    _ws=$(cat "/sys/class/mtd/mtd$1/writesize")
    bounded 120 flash_erase -q "$_d" 0 4 || ff_fail "flash_erase $_d failed"
    bounded 300 nandtest -k -p 1 -o 0 -l $((_eb * 4)) "$_d" >/tmp/ff.nandtest 2>&1 ||
        { cat /tmp/ff.nandtest; ff_fail "nandtest on $_d failed"; }
    head -c $((_ws * 4)) /dev/urandom >/tmp/ff.pages
    bounded 60 flash_erase -q "$_d" 0 1 || ff_fail "flash_erase $_d failed"
    bounded 60 nandwrite -q "$_d" /tmp/ff.pages || ff_fail "nandwrite $_d failed"
    bounded 60 nanddump -q -l $((_ws * 4)) -f /tmp/ff.back "$_d" || ff_fail "nanddump $_d failed"
    cmp /tmp/ff.pages /tmp/ff.back || ff_fail "nanddump read back other data than nandwrite wrote"
    bounded 60 mtd_debug read "$_d" 0 "$_ws" /tmp/ff.dbg >/dev/null || ff_fail "mtd_debug read failed"
    head -c "$_ws" /tmp/ff.pages | cmp - /tmp/ff.dbg || ff_fail "mtd_debug read other data"
    ff_log "verified 2 files"
}

# wl_after: clears whatever a scenario that failed half-way left behind, so the next one
# in the same boot starts clean. The scenario's kernel log is not printed here: the host
# cuts it from the streamed log between the scenario's slice markers (guest_script.h), so
# a flood that wraps the ring buffer cannot cost it a line.
wl_after() {
    for _m in /mnt/ubifs /mnt/jffs2; do
        grep -q " $_m " /proc/mounts && { bounded 60 umount "$_m" || ff_log "umount $_m failed"; }
    done
    [ -c /dev/ubi0 ] && { bounded 60 ubidetach -d 0 || ff_log "ubidetach -d 0 failed"; }
    killall -9 flashfault 2>/dev/null && ff_log "killed a leftover server"
    if grep -q '^muse ' /proc/modules; then muse_rmmod; fi
    return 0
}

# wl_explore_check MTD: the checks `flashfault explore-agent` runs on a crash state, as a
# scenario's workload (reproducers). FF_CRASH_FS, FF_CRASH_CUT, FF_CRASH_OPS,
# FF_CRASH_BASELINE and FF_CRASH_SLACK come from the scenario's crash_state.
wl_explore_check() {
    . "$FF_LIB/explore.sh"
    _mnt=/mnt/ff
    ex_self_checks
    ex_mount "$FF_CRASH_FS" "$1" "$_mnt" || ff_fail "crash state: $( [ $? = 10 ] && echo attach || echo mount ) failed"
    _bad=0
    /flashfault workload check --log "$FF_CRASH_OPS" --cut "$FF_CRASH_CUT" --root "$_mnt" \
        --fs "$FF_CRASH_FS" || { echo "FAIL: crash state: the oracle refused it"; _bad=1; }
    /flashfault workload space-check --root "$_mnt" --baseline-free "$FF_CRASH_BASELINE" \
        ${FF_CRASH_SLACK:+--slack "$FF_CRASH_SLACK"} || { echo "FAIL: crash state: space check"; _bad=1; }
    ex_unmount "$FF_CRASH_FS" "$_mnt" || ff_fail "crash state: unmount failed"
    return $_bad
}

# wl_fuzz_check MTD: a kernel-fuzzer finding as a scenario's workload (reproducers). The
# agent serves its own fresh part (MTD is the scenario's idle one); FF_FUZZ_CASE,
# FF_FUZZ_FS, FF_FUZZ_PRESET and FF_FUZZ_SURVIVABLE come from the scenario's fuzz_case.
wl_fuzz_check() {
    /flashfault fuzz-agent --case "$FF_FUZZ_CASE" --fs "$FF_FUZZ_FS" --preset "$FF_FUZZ_PRESET" \
        ${FF_FUZZ_SURVIVABLE:+--survivable "$FF_FUZZ_SURVIVABLE"}
}

