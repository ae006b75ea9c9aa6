#!/bin/sh
# tests/e2e/guest/ubifs_on_muse.sh -- guest side of ubifs_on_muse (busybox ash).
# 1. nandsim with the slc-2k-128m geometry: ubiformat, ubiattach, record the UBI figures,
#    detach, rmmod nandsim (the reference, in the same boot).
# 2. insmod /muse.ko, /flashfault serve --preset slc-2k-128m in the background, wait for
#    its MTD, ubiformat, ubiattach, ubimkvol -m; compare the UBI figures with nandsim's.
# 3. mount UBIFS, write files of several sizes, sync, umount, detach; attach, mount, verify
#    every checksum; umount, detach; stop the server; rmmod muse; the kernel log is clean.
# Must not: leave the test on the first mismatch without printing what differed.
set -e
. /ff/lib.sh
preset=${FF_PRESET:-slc-2k-128m}
dmesg_mark

ff_step load
load_mtd_stack
ff_step nandsim
mtd=$(nandsim_load_2k128m)
bounded 120 ubiformat -y -q "/dev/mtd$mtd" || ff_fail "ubiformat on nandsim failed"
ubi_attach "$mtd" 0
ref=$(ubi_figures 0 nandsim)
echo "$ref"
ubi_detach 0
rmmod nandsim || ff_fail "rmmod nandsim failed"

ff_step muse
muse_start_server "$preset"
mtd=$FF_MUSE_MTD
cat /proc/mtd
t0=$(ff_now)
ubi_prepare "$mtd" 0
echo "TIMING muse_format_attach_mkvol $(awk -v a="$t0" -v b="$(ff_now)" 'BEGIN{printf "%.2f", b-a}')s"
got=$(ubi_figures 0 muse)
echo "$got"
ubi_figures_compare "$ref" "$got" || ff_fail "UBI attach figures on MUSE differ from nandsim's"

ff_step ubifs
t0=$(ff_now)
ubifs_mount 0 /mnt/ubifs
ff_write_files /mnt/ubifs /tmp/ff.md5
ubifs_umount /mnt/ubifs
ubi_detach 0
ff_step reattach
ubi_attach "$mtd" 0
ubifs_mount 0 /mnt/ubifs
ff_verify_files /tmp/ff.md5
ubifs_umount /mnt/ubifs
ubi_detach 0
echo "TIMING muse_ubifs_cycle $(awk -v a="$t0" -v b="$(ff_now)" 'BEGIN{printf "%.2f", b-a}')s"

ff_step stop
muse_stop_server
sed 's/^/server: /' /tmp/server.log 2>/dev/null | tail -n 20
check_dmesg_clean muse
ff_step done
echo "ubifs_on_muse: ok"
