# corpora/scenarios/ubifs-aimed-faults/workload.sh -- the ubifs-aimed-faults scenario's
# workload (busybox ash, `set -e`): UBIFS written, synced, remounted and verified under
# faults aimed by meaning, then the decoded event log checked: each op a fault struck must
# hold the structure the fault names, and every UBIFS master-node program must be struck.
mnt=/mnt/ubifs
ubi_prepare "$FF_MUSE_MTD" 0
ubifs_mount 0 "$mnt"
i=0
while [ "$i" -lt 8 ]; do
    dd if=/dev/urandom of="$mnt/f$i" bs=4096 count=16 2>/dev/null
    i=$((i + 1))
done
bounded 60 sync
(cd "$mnt" && md5sum f* >/tmp/aimed.md5)
ubifs_umount "$mnt"
ubi_detach 0
ubi_attach "$FF_MUSE_MTD" 0
ubifs_mount 0 "$mnt"
(cd "$mnt" && md5sum -c /tmp/aimed.md5 >/dev/null) || { echo "FAIL: files changed"; exit 1; }
ubifs_umount "$mnt"
ubi_detach 0

# The story by meaning (log_meanings): reading the control directory's tail flushes the log.
cat "$FF_CTL/events" >/dev/null
for f in "$FF_EVENTS".[0-9][0-9][0-9] "$FF_EVENTS"; do   # rotated segments first, if any
    if [ -f "$f" ]; then cat "$f"; fi
done >/tmp/aimed.events
/flashfault log --decode /tmp/aimed.events >/tmp/aimed.story
verdict=$(awk '
    /: write / && /master node/ { writes++ }
    /fault .master-delay./ { if (/master node/) m++; else mo++ }
    /fault .vid-noise./ { if (/VID/) v++; else vo++ }
    END { printf "%d %d %d %d %d\n", m, writes, mo, v, vo }' /tmp/aimed.story)
set -- $verdict
echo "aimed: master-delay struck $1 of $2 master-node programs, $3 other ops; vid-noise struck $4 reads, $5 without a VID header"
grep -m 3 "fault .master-delay." /tmp/aimed.story | sed 's/^/story: /'
grep -m 3 "fault .vid-noise." /tmp/aimed.story | sed 's/^/story: /'
[ "$1" -gt 0 ] && [ "$1" = "$2" ] && [ "$3" = 0 ] && [ "$4" -gt 0 ] && [ "$5" = 0 ] ||
    { echo "FAIL: a fault aimed by meaning struck elsewhere, or missed its structure"; exit 1; }
