#!/bin/sh
# tests/e2e/guest/mtd_utils_on_muse.sh -- guest side of mtd_utils_on_muse (busybox ash).
# 1. muse.ko (default fuse_minor 35) + `flashfault serve --preset slc-2k-128m`: the
#    extensions are negotiated (kernel log line, sysfs ecc_strength / ecc_step_size /
#    bitflip_threshold equal the geometry's); nandtest on a few blocks; flash_erase;
#    nandwrite -o / nanddump -o round trip of a page+OOB file, with ECC and raw (cmp);
#    mtd_debug info/erase/write/read (cmp); flash_erase -j, JFFS2 through mtdblock:
#    write, umount, mount, verify checksums.
# 2. `--preset nor-64k-16m`: sysfs ECC values are the geometry's (0), flash_erase -j,
#    JFFS2 through mtdblock, write, remount, verify.
# 3. v3 regression: muse.ko fuse_minor=33 + slc-2k-128m: no extensions (no ECC values in
#    sysfs, no extension keys offered), nandwrite -o fails, UBI format/attach/mkvol works.
# Kernel log clean throughout. Must not: pass a step whose command was not run.
set -e
. /ff/lib.sh
dmesg_mark

# geo_value PRESET KEY: a number from `flashfault geometry show PRESET`
geo_value() {
    /flashfault geometry show "$1" | sed -n "s/^ *\"$2\": *\([0-9]*\).*/\1/p" | head -n1
}

# check_ecc_sysfs MTD PRESET: sysfs ECC attributes equal the geometry's
check_ecc_sysfs() {
    _d=/sys/class/mtd/mtd$1
    _s=$(geo_value "$2" ecc_strength) _st=$(geo_value "$2" ecc_step) _t=$(geo_value "$2" bitflip_threshold)
    [ "$_t" = 0 ] && _t=$(( (_s * 3 + 3) / 4 ))
    [ -n "$_s" ] && [ -n "$_st" ] || ff_fail "no ECC values for $2 from flashfault geometry show"
    echo "sysfs mtd$1: ecc_strength=$(cat $_d/ecc_strength) ecc_step_size=$(cat $_d/ecc_step_size)" \
        "bitflip_threshold=$(cat $_d/bitflip_threshold) (geometry $_s/$_st/$_t)"
    [ "$(cat $_d/ecc_strength)" = "$_s" ] || ff_fail "ecc_strength is not the geometry's $_s"
    [ "$(cat $_d/ecc_step_size)" = "$_st" ] || ff_fail "ecc_step_size is not the geometry's $_st"
    [ "$(cat $_d/bitflip_threshold)" = "$_t" ] || ff_fail "bitflip_threshold is not the geometry's $_t"
}

# page_oob_file FILE PAGES: PAGES x (2048 random data + 0xFF 0xFF + 62 random OOB bytes);
# the 0xFF pair keeps the bad block marker of a block's first page clean
page_oob_file() {
    : >"$1"
    _i=0
    while [ $_i -lt "$2" ]; do
        head -c 2048 /dev/urandom >>"$1"
        printf '\377\377' >>"$1"
        head -c 62 /dev/urandom >>"$1"
        _i=$((_i + 1))
    done
}

# wait_dev PATH: wait (bounded) for a device node
wait_dev() {
    _i=0
    while [ ! -e "$1" ] && [ $_i -lt 250 ]; do usleep 20000; _i=$((_i + 1)); done
    [ -e "$1" ] || ff_fail "$1 did not appear"
}

# jffs2_cycle MTD LABEL: flash_erase -j, mount through mtdblock, write, remount, verify
jffs2_cycle() {
    bounded 300 flash_erase -q -j "/dev/mtd$1" 0 0 || ff_fail "flash_erase -j /dev/mtd$1 failed ($2)"
    wait_dev "/dev/mtdblock$1"
    mkdir -p /mnt/jffs2
    bounded 300 mount -t jffs2 "/dev/mtdblock$1" /mnt/jffs2 || ff_fail "mount jffs2 on mtdblock$1 failed ($2)"
    FF_FILE_SIZES="0 1 511 2048 4097 65536 131073 1048576" ff_write_files /mnt/jffs2 /tmp/ff.jffs2.md5
    bounded 120 umount /mnt/jffs2 || ff_fail "umount jffs2 failed ($2)"
    bounded 300 mount -t jffs2 "/dev/mtdblock$1" /mnt/jffs2 || ff_fail "remount jffs2 failed ($2)"
    ff_verify_files /tmp/ff.jffs2.md5
    bounded 120 umount /mnt/jffs2 || ff_fail "umount jffs2 failed ($2)"
    echo "jffs2 $2: ok"
}

timing() { echo "TIMING $1 $(awk -v a="$2" -v b="$(ff_now)" 'BEGIN{printf "%.2f", b-a}')s"; }

ff_step load
load_mtd_stack mtd ubi jffs2 mtdblock

# ---- 1. NAND with the extensions ------------------------------------------------------
ff_step nand_ext
muse_start_server slc-2k-128m
mtd=$FF_MUSE_MTD
[ "$(cat /sys/module/muse/parameters/fuse_minor)" = 35 ] || ff_fail "fuse_minor is not 35 by default"
dmesg | grep -q 'slc-2k-128m: flashfault extensions v1' || ff_fail "extensions were not negotiated"
check_ecc_sysfs "$mtd" slc-2k-128m

t0=$(ff_now)
bounded 300 nandtest -p 1 -o 1048576 -l 524288 "/dev/mtd$mtd" >/tmp/nandtest.log 2>&1 ||
    { cat /tmp/nandtest.log; ff_fail "nandtest failed"; }
tail -n 3 /tmp/nandtest.log
timing nandtest "$t0"

t0=$(ff_now)
bounded 60 flash_erase -q "/dev/mtd$mtd" 2097152 2 || ff_fail "flash_erase failed"
page_oob_file /tmp/in.bin 70
bounded 60 nandwrite -q -o -s 2097152 "/dev/mtd$mtd" /tmp/in.bin || ff_fail "nandwrite -o failed"
bounded 60 nanddump -q -o -s 2097152 -l 143360 -f /tmp/out.bin "/dev/mtd$mtd" || ff_fail "nanddump -o failed"
cmp /tmp/in.bin /tmp/out.bin || ff_fail "nanddump -o differs from what nandwrite -o wrote"
echo "nandwrite -o / nanddump -o: 70 pages with OOB round trip ok"
bounded 60 flash_erase -q "/dev/mtd$mtd" 2097152 2 || ff_fail "flash_erase failed"
page_oob_file /tmp/in.bin 66
bounded 60 nandwrite -q -n -o -s 2097152 "/dev/mtd$mtd" /tmp/in.bin || ff_fail "nandwrite -n -o failed"
bounded 60 nanddump -q -n -o -s 2097152 -l 135168 -f /tmp/out.bin "/dev/mtd$mtd" || ff_fail "nanddump -n -o failed"
cmp /tmp/in.bin /tmp/out.bin || ff_fail "raw nanddump -o differs from raw nandwrite -o"
echo "nandwrite -n -o / nanddump -n -o: 66 raw pages with OOB round trip ok"
timing oob_round_trip "$t0"

mtd_debug info "/dev/mtd$mtd" | tee /tmp/mtd_debug.info
grep -q 'mtd.type = MTD_NANDFLASH' /tmp/mtd_debug.info || ff_fail "mtd_debug info: not NAND"
grep -q 'mtd.oobsize = 64' /tmp/mtd_debug.info || ff_fail "mtd_debug info: wrong oobsize"
bounded 60 mtd_debug erase "/dev/mtd$mtd" 4194304 262144 || ff_fail "mtd_debug erase failed"
head -c 262144 /dev/urandom >/tmp/md.in
bounded 60 mtd_debug write "/dev/mtd$mtd" 4194304 262144 /tmp/md.in || ff_fail "mtd_debug write failed"
bounded 60 mtd_debug read "/dev/mtd$mtd" 4194304 262144 /tmp/md.out || ff_fail "mtd_debug read failed"
cmp /tmp/md.in /tmp/md.out || ff_fail "mtd_debug read differs from mtd_debug write"
echo "mtd_debug erase/write/read: ok"

t0=$(ff_now)
jffs2_cycle "$mtd" nand
timing jffs2_nand "$t0"
muse_stop_server

# ---- 2. NOR -----------------------------------------------------------------------------
ff_step nor
muse_start_server nor-64k-16m
mtd=$FF_MUSE_MTD
check_ecc_sysfs "$mtd" nor-64k-16m
t0=$(ff_now)
jffs2_cycle "$mtd" nor
timing jffs2_nor "$t0"
muse_stop_server

# ---- 3. v3 regression: the module announces 33 -------------------------------------------
ff_step v3
dmesg_v3=$(dmesg | wc -l)
FF_MUSE_PARAMS="fuse_minor=33" muse_start_server slc-2k-128m
mtd=$FF_MUSE_MTD
[ "$(cat /sys/module/muse/parameters/fuse_minor)" = 33 ] || ff_fail "fuse_minor=33 was not applied"
dmesg | tail -n +$((dmesg_v3 + 1)) >/tmp/v3.dmesg
grep -q 'flashfault extensions v1' /tmp/v3.dmesg && ff_fail "extensions negotiated although the module announced 33"
grep -q 'ignoring unknown key' /tmp/v3.dmesg && ff_fail "the server sent extension keys to a v3 kernel"
[ "$(cat /sys/class/mtd/mtd$mtd/ecc_strength)" = 0 ] || ff_fail "v3: ecc_strength is not 0"
bounded 60 flash_erase -q "/dev/mtd$mtd" 2097152 1 || ff_fail "v3: flash_erase failed"
page_oob_file /tmp/in.bin 2
if bounded 60 nandwrite -q -o -s 2097152 "/dev/mtd$mtd" /tmp/in.bin 2>/tmp/v3.nandwrite; then
    ff_fail "v3: nandwrite -o succeeded, it must fail as on v3"
fi
sed 's/^/v3 nandwrite: /' /tmp/v3.nandwrite | head -n 3
echo "v3: nandwrite -o fails as expected"
t0=$(ff_now)
ubi_prepare "$mtd" 0
ubi_figures 0 muse-v3
ubi_detach 0
timing v3_ubi_attach "$t0"
muse_stop_server

ff_step done
check_dmesg_clean mtd_utils_on_muse
echo "mtd_utils_on_muse: ok"
