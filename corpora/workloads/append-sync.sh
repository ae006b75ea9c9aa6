# corpora/workloads/append-sync.sh -- a shell workload for `flashfault explore`: appends
# six 3000-byte records to app.log, each followed by sync, and logs every op for the
# oracle (corpora/workloads/README.md, "Shell workloads").
# explore runs it in the fresh mount with FF (the flashfault binary), FF_ROOT (the
# mount), FF_OPLOG (the op log to write) and FF_CTL (the server's control directory).
# Must not: log an op it did not do, or a durability point that did not happen.
log=$FF_OPLOG ctl=$FF_CTL
# op JSON RET: log one op, between the counter taken into $b before it and now
op() {
    $FF workload log-op --log "$log" --op "$1" --ret "$2" --flash-before "$b" \
        --flash-after "$($FF workload counter --ctl "$ctl")"
}
b=$($FF workload counter --ctl "$ctl"); : >app.log
op '{"op":"create","path":"app.log"}' 0
off=0
for i in 1 2 3 4 5 6; do
    b=$($FF workload counter --ctl "$ctl")
    $FF workload data --seed $i --length 3000 >>app.log
    op "{\"op\":\"write\",\"path\":\"app.log\",\"offset\":$off,\"length\":3000,\"seed\":$i}" 3000
    off=$((off + 3000))
    b=$($FF workload counter --ctl "$ctl"); sync
    op '{"op":"sync"}' 0
done
