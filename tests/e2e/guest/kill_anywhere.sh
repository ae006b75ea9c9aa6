#!/bin/sh
# tests/e2e/guest/kill_anywhere.sh -- guest side of kill_anywhere (busybox ash).
# SIGKILL of the MUSE server at FF_KILL_ROUNDS (default 100) moments drawn from
# FF_KILL_SEED (logged; the same seed replays the same moments), alternating:
#   ubifs  UBIFS on a server backed by --image /tmp/ka.img, a writer replacing files
#          (write tmp, sync, rename, sync; each step logged before it is acknowledged), the
#          server killed after a drawn delay. Then: the writer fails within a deadline,
#          umount, ubidetach, the MTD goes, rmmod muse succeeds. The next UBIFS round starts
#          a new server on the same image, attaches and mounts (recovery), and checks that
#          every file holds its last acknowledged content (or, for the one rename in
#          flight, the content it was renamed to). An acknowledgement is a sync that
#          returned 0 on a read-write mount: once UBIFS has switched to read-only after a
#          write error, sync returns 0 without writing (the VFS skips read-only
#          superblocks); those syncs are counted (syncs_ok_after_ro), never trusted.
#   raw    a server backed by --image /tmp/raw.img (direct reads on), two raw readers and
#          a raw writer (slot j % 4 rewritten with pattern j; nandwrite's exit 0, after
#          its close synced the MTD, acknowledges it), the server killed after a drawn
#          delay: all end with an error within a deadline, the MTD goes, rmmod succeeds;
#          the next raw round's server finds every acknowledged slot intact but the one
#          being rewritten: the server's promise that an acknowledged write survives it.
# Prints one "KILL n=... kind=... delay_ms=..." line per moment and a final "KILL_ANYWHERE
# rounds=... ubifs=... raw=... acknowledged=... files_verified=... raw_slots_verified=...
# syncs_ok_after_ro=... seed=..." line.
# The host judges the kernel log (oops, BUG, WARNING, hung task: classify-dmesg.sh).
# Must not: wait on anything without a deadline, or call a round good without checking it.
. /ff/lib.sh
preset=${FF_PRESET:-slc-2k-64m}
rounds=${FF_KILL_ROUNDS:-100}
seed=${FF_KILL_SEED:-1}
img=/tmp/ka.img rawimg=/tmp/raw.img
ff_log "kill_anywhere: $rounds moments, seed $seed (FF_KILL_SEED=$seed replays them)"

# The moments: one delay in ms per round, from the seed (busybox awk's srand is
# deterministic for a given seed).
awk -v s="$seed" -v n="$rounds" 'BEGIN { srand(s); for (i = 0; i < n; i++) print int(rand() * 2400) + 50 }' \
    >/tmp/delays

ff_step setup
load_mtd_stack mtd ubi zstd deflate ubifs fuse
/flashfault image create --preset "$preset" "$img" >/dev/null || ff_fail "image create failed"
/flashfault image create --preset "$preset" "$rawimg" >/dev/null || ff_fail "image create failed"
muse_start_server - --image "$img"
ubi_prepare "$FF_MUSE_MTD" 0
ubi_detach 0
muse_stop_server
: >/tmp/acked   # NAME MD5: the last content of NAME acknowledged by sync
: >/tmp/pending # NAME MD5: a rename in flight (written before the rename)

# wait_gone_and_unload MTD: the MTD leaves /proc/mtd within 10 s, then rmmod muse.
wait_gone_and_unload() {
    wait_mtd_gone "$1" "its holders went (round $k)"
    muse_rmmod
    grep -q '^muse ' /proc/modules && ff_fail "round $k: muse still loaded after rmmod"
    return 0
}

# still_rw: the UBIFS mount is still read-write. A sync on a file system that already
# switched to read-only after a write error returns 0 without writing anything (the VFS
# skips read-only superblocks), so only a sync that returned 0 on a read-write mount is an
# acknowledgement; a sync that returned 0 after the switch is counted and reported.
still_rw() { awk '$2 == "/mnt/ubifs" { split($4, o, ","); exit o[1] != "rw" }' /proc/mounts; }
synced() {
    sync -f "$1" 2>/dev/null || return 1
    still_rw && return 0
    echo 1 >>/tmp/ro_syncs
    return 1
}

# The writer: replaces files f0..f7 in turn; an acknowledgement is a sync that returned on
# a read-write mount.
writer() {
    i=0
    while :; do
        name=f$((i % 8))
        head -c $(( (i * 7919) % 65536 + 1 )) /dev/urandom >/tmp/w.data
        sum=$(md5sum </tmp/w.data | cut -d' ' -f1)
        cp /tmp/w.data /mnt/ubifs/tmp 2>/dev/null && synced /mnt/ubifs/tmp || exit 1
        echo "$name $sum" >/tmp/pending
        mv /mnt/ubifs/tmp "/mnt/ubifs/$name" 2>/dev/null && synced "/mnt/ubifs/$name" || exit 1
        grep -v "^$name " /tmp/acked >/tmp/acked.new; echo "$name $sum" >>/tmp/acked.new
        mv /tmp/acked.new /tmp/acked
        : >/tmp/pending
        i=$((i + 1))
        echo "$i" >/tmp/writes
    done
}

# verify_files: every acknowledged file holds its content; the pending one may hold either,
# and when the rename in flight did land, its content is what the file holds from now on.
verify_files() {
    adopt=""
    while read -r name sum; do
        got=$(md5sum <"/mnt/ubifs/$name" 2>/dev/null | cut -d' ' -f1)
        [ "$got" = "$sum" ] && { verified=$((verified + 1)); continue; }
        if read -r pname psum </tmp/pending && [ "$pname" = "$name" ] && [ "$got" = "$psum" ]; then
            verified=$((verified + 1)); adopt=$name; continue
        fi
        ff_fail "round $k: $name holds ${got:-nothing}, its last acknowledged content is $sum (seed $seed)"
    done </tmp/acked
    if read -r pname psum </tmp/pending 2>/dev/null && ! grep -q "^$pname " /tmp/acked && [ -e "/mnt/ubifs/$pname" ]; then
        got=$(md5sum <"/mnt/ubifs/$pname" | cut -d' ' -f1)
        [ "$got" = "$psum" ] || ff_fail "round $k: new file $pname holds a content never written"
        adopt=$pname
    fi
    if [ -n "$adopt" ]; then
        grep -v "^$adopt " /tmp/acked >/tmp/acked.new; echo "$adopt $psum" >>/tmp/acked.new
        mv /tmp/acked.new /tmp/acked
    fi
    return 0
}

# A UBIFS round: a server on the image, attach and mount (recovering from the last kill),
# every file checked, then the writer and the kill, and everything taken down.
ubifs_round() {
    muse_start_server - --image "$img"
    mtd=$FF_MUSE_MTD
    ubi_attach "$mtd" 0
    ubifs_mount 0 /mnt/ubifs
    v0=$verified
    verify_files
    ff_log "round $k: $((verified - v0)) files hold their acknowledged content after recovery"
    rm -f /mnt/ubifs/tmp
    : >/tmp/pending
    echo 0 >/tmp/writes
    ( writer ) &
    wpid=$!
    usleep $((delay * 1000))
    ff_alive "$wpid" || ff_fail "round $k: the writer stopped before the kill"
    kill -9 "$FF_SERVER_PID"
    bounded 90 wait_pid_gone "$wpid" || ff_fail "round $k: the writer still runs 90 s after the kill"
    wait "$wpid" 2>/dev/null
    wait "$FF_SERVER_PID" 2>/dev/null
    acks=$(cat /tmp/writes); total_acks=$((total_acks + acks))
    ff_log "round $k: the writer had $acks replacements acknowledged when the server died; in flight: $(cat /tmp/pending)"
    bounded 60 umount /mnt/ubifs || ff_fail "round $k: umount after the kill failed or hung"
    bounded 60 ubidetach -d 0 || ff_fail "round $k: ubidetach after the kill failed or hung"
    wait_gone_and_unload "$mtd"
}

# pattern J: 512 KiB (four eraseblocks) of one byte value drawn from J, in /tmp/pattern.
pattern() {
    head -c 524288 /dev/zero | tr '\0' "\\$(printf %03o $(( $1 % 250 + 1 )))" >/tmp/pattern
}

# verify_raw: every slot (four eraseblocks from block 8 + 4*slot) holds the pattern of the
# last raw write acknowledged in it, but the slot the writer was rewriting when it died.
verify_raw() {
    while read -r slot j; do
        [ "$slot" = "$(cat /tmp/raw.pending 2>/dev/null)" ] && continue
        pattern "$j"
        bounded 60 dd if="/dev/mtd$rmtd" of=/tmp/raw.back bs=131072 skip=$((8 + slot * 4)) count=4 2>/dev/null ||
            ff_fail "round $k: reading raw slot $slot back failed"
        cmp -s /tmp/pattern /tmp/raw.back ||
            ff_fail "round $k: raw slot $slot lost the write acknowledged before the kill (pattern $j, seed $seed)"
        raw_verified=$((raw_verified + 1))
    done </tmp/raw.acked
    return 0
}

# raw_writer: rewrites slot j % 4 with pattern j; nandwrite exiting 0 is the
# acknowledgement (its close syncs the MTD).
raw_writer() {
    j=$(cat /tmp/raw.next)
    while :; do
        slot=$((j % 4))
        echo "$slot" >/tmp/raw.pending
        pattern "$j"
        flash_erase -q "/dev/mtd$rmtd" $(( (8 + slot * 4) * 131072 )) 4 2>/dev/null || exit 1
        nandwrite -q -s $(( (8 + slot * 4) * 131072 )) "/dev/mtd$rmtd" /tmp/pattern 2>/dev/null || exit 1
        grep -v "^$slot " /tmp/raw.acked >/tmp/raw.acked.new; echo "$slot $j" >>/tmp/raw.acked.new
        mv /tmp/raw.acked.new /tmp/raw.acked
        : >/tmp/raw.pending
        j=$((j + 1))
        echo "$j" >/tmp/raw.next
    done
}

# A raw round: a server on its own image (direct reads on), the last round's acknowledged
# writes checked, then two readers and the writer, the kill, and everything taken down.
raw_round() {
    muse_start_server - --image "$rawimg"
    rmtd=$FF_MUSE_MTD
    grep -q 'direct reads on' /tmp/server.log || ff_fail "round $k: the server did not report direct reads"
    verify_raw
    : >/tmp/raw.pending
    pids=""
    for r in 1 2; do
        ( while dd if="/dev/mtd$rmtd" of=/dev/null bs=2048 count=512 2>/dev/null; do :; done ) &
        pids="$pids $!"
    done
    ( raw_writer ) &
    pids="$pids $!"
    usleep $((delay * 1000 / 2))
    kill -9 "$FF_SERVER_PID"
    for p in $pids; do
        bounded 60 wait_pid_gone "$p" || ff_fail "round $k: a raw reader or writer still runs 60 s after the kill"
    done
    wait "$FF_SERVER_PID" 2>/dev/null
    wait_gone_and_unload "$rmtd"
}

k=0 nubifs=0 nraw=0 verified=0 total_acks=0 raw_verified=0
: >/tmp/raw.acked; echo 0 >/tmp/raw.next; : >/tmp/ro_syncs
ff_step kills
while read -r delay; do
    k=$((k + 1))
    if [ $((k % 2)) = 1 ]; then kind=ubifs; else kind=raw; fi
    echo "KILL n=$k kind=$kind delay_ms=$delay"
    if [ "$kind" = ubifs ]; then ubifs_round; nubifs=$((nubifs + 1)); else raw_round; nraw=$((nraw + 1)); fi
done </tmp/delays

ff_step final
muse_start_server - --image "$img"
ubi_attach "$FF_MUSE_MTD" 0
ubifs_mount 0 /mnt/ubifs
rounds_done=$k k=final
verify_files
ubifs_umount /mnt/ubifs
ubi_detach 0
muse_stop_server
muse_start_server - --image "$rawimg"
rmtd=$FF_MUSE_MTD
verify_raw
muse_stop_server
ff_step done
echo "KILL_ANYWHERE rounds=$rounds_done ubifs=$nubifs raw=$nraw acknowledged=$total_acks files_verified=$verified raw_slots_verified=$raw_verified syncs_ok_after_ro=$(wc -l </tmp/ro_syncs) seed=$seed"
echo "kill_anywhere: ok"
