# corpora/scenarios/shell-workload/workload.sh -- the shell-workload scenario's workload,
# shipped with it ("files") and sourced by its snippet (busybox ash, `set -e`). It uses only
# what a snippet is documented to have (harness/vm/guest/snippet.sh, corpora/scenarios/README.md).
d=$FF_FILES/shell-workload
mnt=/mnt/ubifs

# UBIFS on the part; a data set and a pattern, an xattr; sync, then a cut right after it.
ubi_prepare "$FF_MUSE_MTD" 0
ff_report_ubi 0
ubifs_mount 0 "$mnt"
cp "$d/data.txt" "$mnt/data.txt"
setfattr -n user.origin -v kept "$mnt/data.txt"
xfs_io -f -c "pwrite -q -S 0x5a 0 65536" -c fsync "$mnt/pattern.bin"
bounded 60 sync
ff_power_cut
echo "never durable" >"$mnt/after-cut" 2>/dev/null || true
bounded 60 umount "$mnt" || ff_log "umount after the cut failed (I/O errors are expected)"
ubi_detach 0
ff_power_on
ubi_attach "$FF_MUSE_MTD" 0
ubifs_mount 0 "$mnt"
(cd "$mnt" && ff_verify_files "$d/expected.md5")
echo "xattr after the cut: $(getfattr --only-values -n user.origin "$mnt/data.txt")"
ubifs_umount "$mnt"
ubi_detach 0

# The server dies as a crash would; a new one serves the same flash.
ff_kill_server
ff_restart_server
ubi_attach "$FF_MUSE_MTD" 0
ubifs_mount 0 "$mnt"
(cd "$mnt" && ff_verify_files "$d/expected.md5")
ubifs_umount "$mnt"
ubi_detach 0

# Read noise installed now, not in the scenario's script: attach scans every EC header.
ff_install_script "$d/late-faults.json"
ubi_attach "$FF_MUSE_MTD" 0
ubifs_mount 0 "$mnt"
(cd "$mnt" && ff_verify_files "$d/expected.md5")
ubifs_umount "$mnt"
ff_report_ubi 0
ubi_detach 0
