# harness/vm/guest/explore.sh -- the kernel side of power-cut exploration (busybox ash;
# source after /ff/lib.sh). `flashfault explore` records a workload with ex_record, then
# `flashfault explore-agent` checks each crash state, calling ex_mount and ex_unmount
# around its own oracle and space checks; reproducers call them through the built-in
# workload explore-check.
#
#   ex_self_checks            UBIFS's own self-checks on (debugfs chk_general, chk_index,
#                             chk_orphans, chk_lprops, chk_fs) for every mount that follows
#   ex_format FS MTD MNT      a fresh file system on mtdMTD, mounted on MNT (UBIFS: format,
#                             attach, one volume "data" filling the device; ubi: the same
#                             volume, no file system, left attached; JFFS2: erase with
#                             cleanmarkers)
#   ex_mount FS MTD MNT       attach and mount an existing one; exit 10 attach failed,
#                             11 mount failed
#   ex_unmount FS MNT         umount, detach; exit 20 umount failed, 21 detach failed
#   ex_flash_ops CTL          the server's op counter (faults.ops of CTL/stats.json)
# Must not: print lines starting with "FLASHFAULT-", decide a verdict, or touch a device
# other than the one it is given.

EX_VOLUME=data

ex_self_checks() {
    grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs none /sys/kernel/debug 2>/dev/null
    for _c in chk_general chk_index chk_orphans chk_lprops chk_fs; do
        [ -w "/sys/kernel/debug/ubifs/$_c" ] && echo 1 >"/sys/kernel/debug/ubifs/$_c"
    done
    return 0
}

ex_format() {
    mkdir -p "$3"
    case "$1" in
        ubifs)
            ubiformat -y -q "/dev/mtd$2" || return 10
            ubiattach -m "$2" -d 0 >/dev/null || return 10
            ubimkvol /dev/ubi0 -N "$EX_VOLUME" -m >/dev/null || return 10
            mount -t ubifs "ubi0:$EX_VOLUME" "$3" || return 11 ;;
        ubi)   # a volume with no file system (`fuzz --fs ubi`): left attached
            ubiformat -y -q "/dev/mtd$2" || return 10
            ubiattach -m "$2" -d 0 >/dev/null || return 10
            ubimkvol /dev/ubi0 -N "$EX_VOLUME" -m >/dev/null || return 10 ;;
        jffs2)
            flash_erase -q -j "/dev/mtd$2" 0 0 || return 10
            mount -t jffs2 "mtd$2" "$3" || return 11 ;;
        *) return 2 ;;
    esac
}

ex_mount() {
    mkdir -p "$3"
    case "$1" in
        ubifs)
            ubiattach -m "$2" -d 0 >/dev/null 2>&1 || return 10
            mount -t ubifs "ubi0:$EX_VOLUME" "$3" 2>/dev/null || return 11 ;;
        jffs2)
            mount -t jffs2 "mtd$2" "$3" 2>/dev/null || return 11 ;;
        *) return 2 ;;
    esac
}

ex_unmount() {
    if grep -q " $2 " /proc/mounts; then umount "$2" || return 20; fi
    case "$1" in ubifs|ubi) if [ -c /dev/ubi0 ]; then ubidetach -d 0 >/dev/null || return 21; fi ;; esac
    return 0
}

ex_flash_ops() {
    sed -n 's/.*"ops": *\([0-9]*\).*/\1/p' "$1/stats.json" | head -n1
}
