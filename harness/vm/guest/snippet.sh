# harness/vm/guest/snippet.sh -- what a scenario's shell workload may use (busybox ash;
# sourced by workloads.sh, after /ff/lib.sh). These names are a promise to scenario
# authors (corpora/scenarios/README.md, "Shell workloads"): keep them stable, extend them.
# Must not: decide a verdict, or print lines starting with "FLASHFAULT-".
#
# Exported to the snippet (and to anything it runs):
#   FF_MUSE_MTD       the mtd number the server serves (a new one after ff_restart_server)
#   FF_SERVER_PID     the server's pid
#   FF_CTL            its control directory: commands/power_cut, commands/power_on,
#                     commands/snapshot, script (write one to replace the fault script),
#                     stats.json, events, blocks/erase_counts, blocks/bad, about
#   FF_EVENTS         its event log (JSON Lines; complete once the server has stopped)
#   FF_PAYLOAD        this scenario's folder in the guest (faults.json, image.img, files/)
#   FF_FILES          the scenario's own files ("files" in the scenario), as listed
#   FF_FILE_SIZES     the sizes ff_write_files writes ("file_sizes" in the scenario)
#
# Facts for the verdict (each prints the line the host reads):
#   ff_report_ubi [UBI]        "FFRUN ubi ..." from /sys/class/ubi: ubi_bad_pebs and
#                              ubi_bad_grown (last report minus first)
#   ff_write_files DIR LIST    one file per size in FF_FILE_SIZES, md5sums into LIST, sync
#   ff_verify_files LIST       md5sum -c LIST (any md5sum list, e.g. one in $FF_FILES); adds
#                              its count to files_verified, fails the workload on a mismatch
# The server (through $FF_CTL; a refused command fails the workload with the reason):
#   ff_power_cut               cut the power now: every op fails until ff_power_on
#   ff_power_on
#   ff_install_script FILE     replace the fault script; its faults count in faults_fired by id
#   ff_kill_server             SIGKILL the server, as a crash would: an expected step, not an
#                              unclean stop. Its event log is flushed just before (through
#                              $FF_CTL/events), so every fault up to the kill is counted.
#   ff_restart_server          stop the server if it runs, unload muse.ko, start it again
#                              with the scenario's arguments; with an image, the same file
#                              (what the dead server had written survives), else a blank part.
#                              UBI must be detached first (the old MTD must go away).
# Everything in /ff/lib.sh may be used too (bounded, ubi_attach, ubifs_mount, ...).

ff_report_ubi() {
    _u=/sys/class/ubi/ubi${1:-0}
    [ -d "$_u" ] || return 0
    echo "FFRUN ubi bad_peb_count=$(cat "$_u/bad_peb_count") max_ec=$(cat "$_u/max_ec") avail_lebs=$(cat "$_u/avail_eraseblocks")"
}

ff_ctl_command() {
    [ -d "$FF_CTL/commands" ] || ff_fail "no control directory at $FF_CTL (is the server running?)"
    echo 1 >"$FF_CTL/commands/$1" || ff_fail "$1 through $FF_CTL refused: $(cat "$FF_CTL/last_error" 2>/dev/null)"
}

ff_power_cut() { ff_ctl_command power_cut; ff_log "ff_power_cut: power cut"; }
ff_power_on() { ff_ctl_command power_on; ff_log "ff_power_on: power on"; }

ff_install_script() {
    [ -f "$1" ] || ff_fail "ff_install_script: no file $1"
    [ -d "$FF_CTL/commands" ] || ff_fail "no control directory at $FF_CTL (is the server running?)"
    cat "$1" >"$FF_CTL/script" ||
        ff_fail "the server refused the fault script $1: $(cat "$FF_CTL/last_error" 2>/dev/null)"
    ff_log "fault script $1 installed"
}

ff_kill_server() {
    _pid=$(cat /tmp/ff.server.pid)
    cat "$FF_CTL/events" >/dev/null 2>&1 || true   # reading the tail flushes the log
    kill -9 "$_pid" 2>/dev/null
    bounded 30 wait_pid_gone "$_pid" || ff_fail "the server still runs 30 s after SIGKILL"
    muse_server_status >/dev/null
    # Its control filesystem died with it: take the dead mount away for the next server.
    grep -q " $FF_CTL fuse" /proc/mounts && umount -l "$FF_CTL"
    : >/tmp/ff.server.killed
    echo "FFRUN server_killed"
    ff_log "server pid $_pid killed (ff_kill_server)"
}

ff_restart_server() {
    if [ -f /tmp/ff.server.killed ]; then
        muse_rmmod
    else
        muse_stop_server
    fi
    # Keep the old server's event log and output: the fault summary reads every log.
    _n=$(( $(cat /tmp/ff.server.restarts 2>/dev/null || echo 0) + 1 ))
    echo "$_n" >/tmp/ff.server.restarts
    _n=$(printf %03d "$_n")
    [ -f "$FF_EVENTS" ] && mv "$FF_EVENTS" "$FF_EVENTS.$_n"
    [ -f /tmp/server.log ] && mv /tmp/server.log "/tmp/server.log.$_n"
    ff_serve
    export FF_MUSE_MTD FF_SERVER_PID
    ff_log "server restarted: pid $FF_SERVER_PID, mtd$FF_MUSE_MTD"
}
