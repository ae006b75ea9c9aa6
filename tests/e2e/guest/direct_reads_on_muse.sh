#!/bin/sh
# tests/e2e/guest/direct_reads_on_muse.sh -- guest side of direct_reads_on_muse (busybox ash).
# muse.ko + `flashfault serve --preset slc-2k-128m --control DIR`, four blocks written:
# 1. clean reads are served by the module (its counter in the control stats grows by
#    every page read, the server's read_ops stay put) and return what was written;
# 2. a read_bitflip fault on block 1's page data (OOB flips are not ECC-covered),
#    installed through the control script: the bypass flag goes up, every read reaches
#    the server, block 1's 64 pages each come back corrected (sysfs corrected_bits),
#    the data still equal;
# 3. power cut through the control directory: a read fails; power on: it works again;
# 4. the empty script: the flag goes down and the module serves clean reads again;
# 5. `serve --image`: the module reads the image file itself (page cache shared with the
#    server's mapping), erased blocks included.
# Kernel log clean. Must not: pass a step whose command was not run.
set -e
. /ff/lib.sh
dmesg_mark
FF_CTL=/tmp/ff-ctl

# stat_value KEY: the first number under "KEY" in the control stats
stat_value() { sed -n "s/^ *\"$1\": \([0-9]*\).*/\1/p" "$FF_CTL/stats.json" | head -n1; }
bypass() { sed -n 's/^ *"bypass": \([a-z]*\).*/\1/p' "$FF_CTL/stats.json"; }
read_back() { # all 256 pages of the four blocks, one 2 KiB read each, compared
    bounded 120 dd if="/dev/mtd$mtd" of=/tmp/back bs=2048 count=256 2>/dev/null ||
        ff_fail "reading the four blocks back failed ($1)"
    cmp /tmp/data /tmp/back || ff_fail "read back differs from what was written ($1)"
}

ff_step load
load_mtd_stack mtd fuse
muse_start_server slc-2k-128m --control "$FF_CTL"
mtd=$FF_MUSE_MTD
dmesg | grep -q 'slc-2k-128m: direct reads from the shared store' ||
    ff_fail "the module did not take the shared store"
grep -q 'direct reads on' /tmp/server.log || ff_fail "the server did not report direct reads"
bounded 60 flash_erase -q "/dev/mtd$mtd" 0 4 || ff_fail "flash_erase failed"
head -c 524288 /dev/urandom >/tmp/data
bounded 60 nandwrite -q "/dev/mtd$mtd" /tmp/data || ff_fail "nandwrite failed"

ff_step clean
ops0=$(stat_value read_ops) d0=$(stat_value reads)
[ "$(bypass)" = false ] || ff_fail "bypass flag up with no faults"
read_back clean
ops1=$(stat_value read_ops) d1=$(stat_value reads)
[ "$ops1" = "$ops0" ] || ff_fail "clean reads reached the server ($ops0 -> $ops1 read ops)"
[ "$d1" -ge $((d0 + 256)) ] || ff_fail "the module counted $((d1 - d0)) direct reads, not 256"
echo "clean: $((d1 - d0)) page reads served by the module, server read ops stayed $ops0"

ff_step fault
c0=$(cat "/sys/class/mtd/mtd$mtd/corrected_bits")
printf '%s\n' '{"faults": [{"id": "noise", "kind": "read_bitflip", "where": {"blocks": 1, "bytes": [0, 2047]}, "flips": 1}]}' \
    >"$FF_CTL/script" || ff_fail "replacing the script failed"
[ "$(bypass)" = true ] || ff_fail "a read fault did not raise the bypass flag"
read_back fault
ops2=$(stat_value read_ops) d2=$(stat_value reads)
c1=$(cat "/sys/class/mtd/mtd$mtd/corrected_bits")
[ "$ops2" -ge $((ops1 + 256)) ] || ff_fail "only $((ops2 - ops1)) of 256 reads reached the server"
[ "$d2" = "$d1" ] || ff_fail "the module served $((d2 - d1)) reads while bypassed"
[ "$c1" -ge $((c0 + 64)) ] || ff_fail "block 1 gave $((c1 - c0)) corrected bits, expected 64"
echo "fault: $((ops2 - ops1)) reads at the server, $((c1 - c0)) bits corrected"

ff_step power
echo 1 >"$FF_CTL/commands/power_cut" || ff_fail "power_cut failed"
if dd if="/dev/mtd$mtd" of=/dev/null bs=2048 count=1 2>/dev/null; then
    ff_fail "a read succeeded with the power off"
fi
echo 1 >"$FF_CTL/commands/power_on" || ff_fail "power_on failed"
echo "power: the read failed while off"

ff_step clean_again
printf '%s\n' '{"faults": []}' >"$FF_CTL/script" || ff_fail "clearing the script failed"
[ "$(bypass)" = false ] || ff_fail "bypass flag still up after the faults went"
read_back clean_again
d3=$(stat_value reads)
[ "$d3" -ge $((d2 + 256)) ] || ff_fail "direct reads did not resume ($d2 -> $d3)"
echo "clean again: $((d3 - d2)) page reads served by the module"

ff_step stop
muse_stop_server
sed 's/^/server: /' /tmp/server.log | tail -n 5

ff_step image
/flashfault image create --preset slc-2k-128m /tmp/nand.img >/dev/null || ff_fail "image create failed"
muse_start_server - --image /tmp/nand.img --control "$FF_CTL"
mtd=$FF_MUSE_MTD
bounded 60 dd if="/dev/mtd$mtd" of=/tmp/erased bs=2048 count=64 2>/dev/null || ff_fail "reading erased pages failed"
[ "$(tr -d '\377' </tmp/erased | wc -c)" = 0 ] || ff_fail "erased pages of the image do not read 0xFF"
bounded 60 flash_erase -q "/dev/mtd$mtd" 0 4 || ff_fail "flash_erase on the image failed"
bounded 60 nandwrite -q "/dev/mtd$mtd" /tmp/data || ff_fail "nandwrite on the image failed"
ops0=$(stat_value read_ops) d0=$(stat_value reads)
read_back image
ops1=$(stat_value read_ops) d1=$(stat_value reads)
[ "$ops1" = "$ops0" ] || ff_fail "clean reads of the image reached the server ($ops0 -> $ops1)"
[ "$d1" -ge $((d0 + 256)) ] || ff_fail "the module served $((d1 - d0)) reads of the image, not 256"
echo "image: $((d1 - d0)) page reads of the image file served by the module"
muse_stop_server
check_dmesg_clean direct_reads
ff_step done
echo "direct_reads_on_muse: ok"
