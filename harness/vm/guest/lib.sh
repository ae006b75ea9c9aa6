# harness/vm/guest/lib.sh -- helpers for guest scripts (busybox ash; source /ff/lib.sh).
#
# Logging and failing:   ff_log MSG; ff_fail MSG (prints "FAIL: MSG", exits 1); ff_step NAME
#                        (prints "STEP NAME t=<uptime>"), ff_now (uptime seconds)
# Bounded commands:      bounded SECS CMD...   (returns CMD's status, or 124 and a report of
#                        the stuck task when CMD is still running after SECS: a task in D
#                        state cannot be killed, so this never waits on it past SECS)
# MTD/UBI/UBIFS:         load_mtd_stack [MOD...], mtd_by_name NAME, wait_mtd SECS [NAME],
#                        ubi_prepare MTD [UBI], ubifs_mount UBI MNT, ubifs_umount MNT,
#                        ubi_detach UBI, ff_write_files DIR LIST, ff_verify_files LIST
#                        (snippet.sh documents these two for scenario authors),
#                        ubifs_write_verify MTD [UBI] [MNT]
# Kernel log:            ff_slice NAME begin|end (a marker record the host cuts the streamed
#                        log at: harness/campaign/kernel_log.h); ff_kmsg_settle (wait for the
#                        stream to catch up); dmesg_mark, dmesg_since_mark;
#                        check_dmesg_clean, check_dmesg_no_crash (since the mark, or the
#                        whole log)
# nandsim reference:     nandsim_load_2k128m (prints the mtd number)
# MUSE:                  muse_start_server PRESET|- [ARGS] (insmod /muse.ko, start /flashfault serve in
#                        the background; sets FF_SERVER_PID, FF_MUSE_MTD and writes the pid
#                        to /tmp/ff.server.pid, which muse_stop_server reads), muse_stop_server
#                        (FF_MUSE_STANDIN=nandsim: rig self-test with nandsim, no muse;
#                        FF_MUSE_PARAMS="fuse_minor=33": insmod parameters of muse.ko)
# Files to the host:     ff_export DIR (everything under DIR, as one tar stream, to the host's
#                        run-guest.sh --export directory; once per boot); ff_port NAME (the
#                        device of a virtio port: flashfault.export, flashfault.channel)
# Must not: print lines starting with "FLASHFAULT-" (the rig's markers) or power off.

: "${FF_LIB:=/ff}"
. "$FF_LIB/ubi-figures.sh"

ff_now() { cut -d' ' -f1 /proc/uptime; }
ff_log() { echo "[guest $(ff_now)] $*"; }
ff_fail() { echo "FAIL: $*"; exit 1; }
ff_step() { echo "STEP $1 t=$(ff_now)"; }

# ff_alive PID: true while PID runs (a zombie waiting to be reaped counts as gone)
ff_alive() {
    _st=$(sed -n 's/^State:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
    case "$_st" in Z*|"") return 1 ;; esac
    return 0
}

bounded() {
    _secs=$1; shift
    "$@" &
    _pid=$!
    _end=$(( $(cut -d. -f1 /proc/uptime) + _secs ))
    while ff_alive "$_pid"; do
        if [ "$(cut -d. -f1 /proc/uptime)" -ge "$_end" ]; then
            echo "HUNG: '$*' still running after ${_secs}s (pid $_pid, state $_st)"
            cat "/proc/$_pid/stack" 2>/dev/null | sed 's/^/HUNG:   /'
            echo w >/proc/sysrq-trigger 2>/dev/null   # blocked tasks into the kernel log
            kill -9 "$_pid" 2>/dev/null
            return 124
        fi
        usleep 50000
    done
    wait "$_pid"
}

load_mtd_stack() {
    [ $# -gt 0 ] || set -- mtd ubi zstd deflate ubifs
    for _m in "$@"; do
        modprobe "$_m" || ff_fail "modprobe $_m failed"
    done
}

# mtd_by_name NAME -> the mtd number whose /proc/mtd name is NAME (empty if none)
mtd_by_name() {
    sed -n "s/^mtd\([0-9]*\): [0-9a-f]* [0-9a-f]* \"$1\"\$/\1/p" /proc/mtd | head -n1
}

mtd_list() { sed -n 's/^mtd\([0-9]*\):.*/\1/p' /proc/mtd | tr '\n' ' '; }

# wait_mtd SECS [NAME] -> prints the mtd number once it exists (NAME given), or the first
# mtd number that was not in /proc/mtd when called (no NAME; set FF_MTD_BEFORE=$(mtd_list)
# before starting the thing that registers it, to close the race). Returns 1 on timeout.
wait_mtd() {
    _secs=$1 _name=${2:-}
    _before=${FF_MTD_BEFORE-$(mtd_list)}
    _end=$(( $(cut -d. -f1 /proc/uptime) + _secs ))
    while [ "$(cut -d. -f1 /proc/uptime)" -lt "$_end" ]; do
        if [ -n "$_name" ]; then
            _n=$(mtd_by_name "$_name")
        else
            _n=""
            for _x in $(sed -n 's/^mtd\([0-9]*\):.*/\1/p' /proc/mtd); do
                case " $_before " in *" $_x "*) ;; *) _n=$_x; break ;; esac
            done
        fi
        if [ -n "$_n" ] && [ -c "/dev/mtd$_n" ]; then echo "$_n"; return 0; fi
        usleep 20000
    done
    return 1
}

# ubi_prepare MTD [UBI]: ubiformat the mtd, attach it as ubiUBI, make one volume "test"
# filling the device. Leaves it attached.
ubi_prepare() {
    _mtd=$1 _ubi=${2:-0}
    bounded 120 ubiformat -y -q "/dev/mtd$_mtd" || ff_fail "ubiformat /dev/mtd$_mtd failed"
    ubi_attach "$_mtd" "$_ubi"
    bounded 60 ubimkvol "/dev/ubi$_ubi" -N test -m >/dev/null || ff_fail "ubimkvol on ubi$_ubi failed"
}

ubi_attach() {
    bounded 120 ubiattach -m "$1" -d "${2:-0}" >/dev/null || ff_fail "ubiattach -m $1 -d ${2:-0} failed"
    _i=0
    while [ ! -c "/dev/ubi${2:-0}" ] && [ $_i -lt 100 ]; do usleep 20000; _i=$((_i + 1)); done
}

ubi_detach() {
    bounded 60 ubidetach -d "${1:-0}" || ff_fail "ubidetach -d ${1:-0} failed"
}

ubifs_mount() {
    mkdir -p "$2"
    _i=0
    while [ ! -c "/dev/ubi${1}_0" ] && [ $_i -lt 100 ]; do usleep 20000; _i=$((_i + 1)); done
    bounded 120 mount -t ubifs "ubi$1:test" "$2" || ff_fail "mount -t ubifs ubi$1:test $2 failed"
}

ubifs_umount() {
    bounded 120 umount "$1" || ff_fail "umount $1 failed"
}

# File sizes written by ff_write_files: empty, sub-page, page edges, a LEB edge, larger.
FF_FILE_SIZES="${FF_FILE_SIZES:-0 1 511 2048 4095 4096 4097 65536 126976 131073 1048576 3145728}"

# ff_write_files DIR LIST: write one file per size from /dev/urandom, md5sums into LIST
ff_write_files() {
    _dir=$1 _list=$2
    : >"$_list"
    for _s in $FF_FILE_SIZES; do
        _f="$_dir/f$_s"
        head -c "$_s" /dev/urandom >"$_f" || ff_fail "writing $_f ($_s bytes) failed"
        md5sum "$_f" >>"$_list"
    done
    mkdir -p "$_dir/sub/deeper" && echo small >"$_dir/sub/deeper/s" && md5sum "$_dir/sub/deeper/s" >>"$_list"
    bounded 120 sync || ff_fail "sync hung"
}

ff_verify_files() {
    md5sum -c "$1" >/tmp/ff.md5.out 2>&1 || { cat /tmp/ff.md5.out; ff_fail "checksum mismatch after remount"; }
    ff_log "verified $(wc -l <"$1") files"
}

# ubifs_write_verify MTD [UBI] [MNT]: format+attach+mkvol, mount, write, umount, detach,
# attach, mount, verify every checksum, umount, detach.
ubifs_write_verify() {
    _mtd=$1 _ubi=${2:-0} _mnt=${3:-/mnt/ubifs}
    ubi_prepare "$_mtd" "$_ubi"
    ubifs_mount "$_ubi" "$_mnt"
    ff_write_files "$_mnt" /tmp/ff.md5
    ubifs_umount "$_mnt"
    ubi_detach "$_ubi"
    ubi_attach "$_mtd" "$_ubi"
    ubifs_mount "$_ubi" "$_mnt"
    ff_verify_files /tmp/ff.md5
    ubifs_umount "$_mnt"
    ubi_detach "$_ubi"
}

# nandsim_load_2k128m: 128 MiB, 2048+64, 64 pages per block (ID ec a1 00 15); prints mtd N
nandsim_load_2k128m() {
    modprobe nandsim first_id_byte=0xec second_id_byte=0xa1 third_id_byte=0x00 \
        fourth_id_byte=0x15 || ff_fail "modprobe nandsim failed"
    wait_mtd 10 "NAND simulator partition 0" || ff_fail "nandsim's mtd did not appear"
}

# muse_start_server PRESET [EXTRA SERVE ARGS...]: load /muse.ko (after the MTD stack), start
# "/flashfault serve --preset PRESET" in the background (log in /tmp/server.log) and wait
# for its MTD device. Sets FF_SERVER_PID and FF_MUSE_MTD.
muse_start_server() {
    _preset=$1; shift
    rm -f /tmp/ff.server.pid /tmp/ff.server.status /tmp/ff.server.killed
    if [ "${FF_MUSE_STANDIN:-}" = nandsim ]; then   # rig self-test only: no module, no server
        ff_log "STAND-IN: nandsim instead of muse.ko + flashfault serve"
        muse_spawn_server sleep 100000
        FF_MUSE_MTD=$(nandsim_load_2k128m)
        return 0
    fi
    [ -f /muse.ko ] || ff_fail "/muse.ko is not in the guest (pass --file kmod/muse.ko)"
    [ -x /flashfault ] || ff_fail "/flashfault is not in the guest (pass --file build/flashfault)"
    # shellcheck disable=SC2086 # FF_MUSE_PARAMS is a list of name=value words
    grep -q '^muse ' /proc/modules || insmod /muse.ko ${FF_MUSE_PARAMS:-} ||
        ff_fail "insmod /muse.ko ${FF_MUSE_PARAMS:-} failed"
    _i=0
    while [ ! -c /dev/muse ] && [ $_i -lt 100 ]; do usleep 20000; _i=$((_i + 1)); done
    [ -c /dev/muse ] || ff_fail "/dev/muse did not appear after insmod"
    FF_MTD_BEFORE=$(mtd_list)
    [ "$_preset" = - ] || set -- --preset "$_preset" "$@"   # else --geometry/--image in "$@"
    muse_spawn_server /flashfault serve "$@"
    FF_MUSE_MTD=$(wait_mtd 30) || {
        unset FF_MTD_BEFORE
        sed 's/^/server: /' /tmp/server.log
        kill -0 "$FF_SERVER_PID" 2>/dev/null || ff_fail "the server exited before its MTD appeared"
        ff_fail "no new MTD device within 30 s of starting the server"
    }
    unset FF_MTD_BEFORE
    ff_log "server pid $FF_SERVER_PID serves mtd$FF_MUSE_MTD ($(sed -n "s/^mtd$FF_MUSE_MTD: //p" /proc/mtd))"
}

# muse_spawn_server CMD...: CMD in the background (output in /tmp/server.log) under a
# waiter subshell that keeps its pid in /tmp/ff.server.pid and, once it exits, its status
# in /tmp/ff.server.status: whoever stops it (wl_end, or a workload's subshell that
# restarted it) reads them there, as a shell can only `wait` for its own children.
# Sets FF_SERVER_PID.
muse_spawn_server() {
    (
        "$@" >/tmp/server.log 2>&1 &
        echo $! >/tmp/ff.server.pid
        _st=0
        wait $! || _st=$?
        echo "$_st" >/tmp/ff.server.status
    ) &
    _i=0
    while [ ! -s /tmp/ff.server.pid ] && [ $_i -lt 250 ]; do usleep 20000; _i=$((_i + 1)); done
    FF_SERVER_PID=$(cat /tmp/ff.server.pid) || ff_fail "the server did not start"
}

# muse_stop_server: SIGTERM the server, wait (bounded) for it, then rmmod muse (retrying
# while the asynchronous unregister finishes).
muse_stop_server() {
    [ -f /tmp/ff.server.pid ] && FF_SERVER_PID=$(cat /tmp/ff.server.pid)
    kill "$FF_SERVER_PID" 2>/dev/null
    bounded 30 wait_pid_gone "$FF_SERVER_PID" || ff_fail "the server did not exit after SIGTERM"
    _rc=$(muse_server_status)
    ff_log "server exited with status $_rc after SIGTERM"
    muse_rmmod
}

wait_pid_gone() { while ff_alive "$1"; do usleep 20000; done; }

# muse_server_status: the exit status of the last server started (from its waiter), once
# it has exited; "unknown" when the waiter has not said within 5 s.
muse_server_status() {
    _i=0
    while [ ! -s /tmp/ff.server.status ] && [ $_i -lt 250 ]; do usleep 20000; _i=$((_i + 1)); done
    cat /tmp/ff.server.status 2>/dev/null || echo unknown
}

# wait_mtd_gone MTD WHY: mtdMTD leaves /proc/mtd within 10 s (its unregistration is
# asynchronous), else fail saying WHY it should have gone.
wait_mtd_gone() {
    _n=0
    while grep -q "^mtd$1:" /proc/mtd; do
        _n=$((_n + 1)); [ $_n -lt 200 ] || ff_fail "mtd$1 still in /proc/mtd 10 s after $2"
        usleep 50000
    done
}

muse_rmmod() {
    [ "${FF_MUSE_STANDIN:-}" = nandsim ] && { bounded 30 rmmod nandsim; return; }
    _i=0
    until bounded 30 rmmod muse 2>/tmp/ff.rmmod; do
        grep -q '^HUNG' /tmp/ff.rmmod && { cat /tmp/ff.rmmod; ff_fail "rmmod muse hung"; }
        _i=$((_i + 1))
        [ $_i -lt 100 ] || { cat /tmp/ff.rmmod; ff_fail "rmmod muse still failing after 10 s"; }
        usleep 100000
    done
}

# ff_slice NAME begin|end: a userspace record "flashfault: slice NAME begin" in the kernel
# log. The host slices the streamed log (kmsg.log, every record with its sequence number)
# between the two, so a ring buffer that wrapped in between costs the slice nothing.
ff_slice() { echo "<14>flashfault: slice $1 $2" >/dev/kmsg; }

# ff_kmsg_settle [SECS]: wait (at most SECS, default 30) until the kernel log stream has
# caught up: the flashfault.kmsg port's byte counter stood still for 0.3 s. A workload
# that floods the log calls it between bursts, so no burst outruns the ring buffer.
ff_kmsg_settle() {
    _f=""
    for _p in /sys/class/virtio-ports/*; do
        [ "$(cat "$_p/name" 2>/dev/null)" = flashfault.kmsg ] &&
            _f="/sys/kernel/debug/virtio-ports/${_p##*/}"
    done
    [ -n "$_f" ] && [ -r "$_f" ] || { sleep 1; return 0; }
    _last=-1 _same=0 _n=0 _max=$(( ${1:-30} * 10 ))
    while [ $_same -lt 3 ] && [ $_n -lt $_max ]; do
        _b=$(sed -n 's/^bytes_sent: //p' "$_f")
        if [ "$_b" = "$_last" ]; then _same=$((_same + 1)); else _same=0; _last=$_b; fi
        usleep 100000
        _n=$((_n + 1))
    done
}

# dmesg_mark: a marker record in the kernel log; dmesg_since_mark FILE writes the log after
# it (the whole log if there is no mark) and fails when the mark is no longer in the ring
# buffer (it wrapped: the guest cannot see what it lost; the host's stream has it all).
dmesg_mark() {
    FF_DMESG_MARK=$(( ${FF_DMESG_MARK:-0} + 1 ))
    echo "<14>flashfault: mark $FF_DMESG_MARK" >/dev/kmsg
}
dmesg_since_mark() {
    dmesg >/tmp/ff.dmesg.all
    if [ -z "${FF_DMESG_MARK:-}" ]; then cp /tmp/ff.dmesg.all "$1"; return 0; fi
    _mark="flashfault: mark $FF_DMESG_MARK\$"
    grep -q "$_mark" /tmp/ff.dmesg.all || { cp /tmp/ff.dmesg.all "$1"; return 1; }
    sed -n "/$_mark/,\$p" /tmp/ff.dmesg.all | sed 1d >"$1"
}

# check_dmesg_clean [LABEL]: fail when the kernel log (since dmesg_mark, if called) shows
# any bug signal (oops, BUG, WARNING, assert, hung task, call trace...: classify-dmesg.sh)
# or a UBI/UBIFS/JFFS2/MTD error.
check_dmesg_clean() {
    dmesg_since_mark /tmp/ff.dmesg.part || ff_fail "kernel log wrapped since dmesg_mark${1:+ ($1)}"
    "$FF_LIB/classify-dmesg.sh" --check /tmp/ff.dmesg.part || ff_fail "kernel log not clean${1:+ ($1)}"
}

# check_dmesg_no_crash [LABEL]: like check_dmesg_clean, but UBI/UBIFS/JFFS2/MTD errors are
# allowed (a test that breaks the device on purpose); bug signals are not.
check_dmesg_no_crash() {
    dmesg_since_mark /tmp/ff.dmesg.part || ff_fail "kernel log wrapped since dmesg_mark${1:+ ($1)}"
    "$FF_LIB/classify-dmesg.sh" --check-crash /tmp/ff.dmesg.part || ff_fail "kernel crashed, warned or hung${1:+ ($1)}"
}

# ff_port NAME: print the device of the virtio port NAME (the rig's --export and --channel
# ports), waiting up to 5 s for it to show up; fails when there is none.
ff_port() {
    modprobe virtio_pci 2>/dev/null; modprobe virtio_console 2>/dev/null
    _port="" _i=0
    while [ -z "$_port" ] && [ $_i -lt 100 ]; do   # the port shows up asynchronously
        for _p in /sys/class/virtio-ports/*; do
            [ "$(cat "$_p/name" 2>/dev/null)" = "$1" ] && _port=/dev/${_p##*/}
        done
        [ -n "$_port" ] && [ -c "$_port" ] && break
        _port=""; _i=$((_i + 1)); usleep 50000
    done
    [ -n "$_port" ] && [ -c "$_port" ] && echo "$_port"
}

# ff_export DIR: send DIR's files to the host (run-guest.sh --export). Fails when the rig
# gave no export port.
ff_export() {
    _port="$(ff_port flashfault.export)" || { ff_log "no export port (run-guest.sh --export)"; return 1; }
    tar -c -C "$1" . >"$_port"
}
