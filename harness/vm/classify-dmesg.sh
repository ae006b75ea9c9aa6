#!/bin/sh
# harness/vm/classify-dmesg.sh -- count the kernel-log lines that signal trouble.
#
# Reads a kernel log (FILE or stdin; `dmesg` output, with or without [timestamps]) and
# prints one JSON object:
#   {"oops":n,"bug":n,"warning":n,"hung_task":n,"panic":n,"ubi_errors":n,"ubifs_errors":n,
#    "jffs2_errors":n,"mtd_errors":n,"lines":["first matched lines",...]}
# With --check it prints nothing on success and exits 1 (listing the matched lines on
# stderr) when any count is non-zero; --check-crash does the same but only for oops, bug,
# warning, hung_task and panic (for tests that provoke UBI/UBIFS/MTD errors on purpose). Plain POSIX sh + awk: runs on the host and inside the
# guest (busybox), so tests and run-guest.sh share one definition of "clean".
# Must not: change or clear the kernel log; it only reads.
set -eu
check=""
case "${1:-}" in --check|--check-crash) check="$1"; shift ;; esac
file="${1:--}"

json="$(awk '
function esc(s) {
    gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, " ", s); gsub(/[[:cntrl:]]/, "", s)
    return s
}
{
    line = $0
    sub(/\r$/, "", line)
    msg = line
    sub(/^(<[0-9]+>)?\[ *[0-9]+\.[0-9]+\] */, "", msg)
    lmsg = tolower(msg)
    hit = ""
    # Loading an unsigned out-of-tree module (muse.ko) is expected, not an MTD error.
    if (msg ~ /module verification failed|tainting kernel|taints kernel/) next
    if (msg ~ /Oops: |general protection fault|Unable to handle kernel/) hit = "oops"
    else if (msg ~ /Kernel panic/) hit = "panic"
    else if (msg ~ /BUG: |kernel BUG at|UBSAN: |list_(add|del) corruption/) hit = "bug"
    else if (msg ~ /WARNING: /) hit = "warning"
    else if (msg ~ /blocked for more than [0-9]+ seconds|detected stalls|soft lockup|hard LOCKUP/) hit = "hung_task"
    else if (msg ~ /(UBI|ubi[0-9]+) error:/) hit = "ubi_errors"
    else if (msg ~ /UBIFS error/) hit = "ubifs_errors"
    else if (msg ~ /jffs2: (error|Error)|JFFS2.*error/) hit = "jffs2_errors"
    else if (lmsg ~ /^(mtd|nand|nandsim|muse|block2mtd)[^ ]*:? / && lmsg ~ /error|fail|uncorrectable/) hit = "mtd_errors"
    if (hit != "") {
        n[hit]++
        if (nl < 12) { lines[nl++] = esc(msg) }
    }
}
END {
    split("oops bug warning hung_task panic ubi_errors ubifs_errors jffs2_errors mtd_errors", k, " ")
    out = "{"
    for (i = 1; i <= 9; i++) out = out sprintf("\"%s\":%d,", k[i], n[k[i]] + 0)
    out = out "\"lines\":["
    for (i = 0; i < nl; i++) out = out (i ? "," : "") "\"" lines[i] "\""
    print out "]}"
}' "$file")"

if [ -z "$check" ]; then
    printf '%s\n' "$json"
    exit 0
fi
if [ "$check" = --check-crash ]; then
    case "$json" in
        '{"oops":0,"bug":0,"warning":0,"hung_task":0,"panic":0,'*) exit 0 ;;
    esac
    printf 'kernel crashed, warned or hung: %s\n' "$json" >&2
    exit 1
fi
case "$json" in
    *'"lines":[]}') exit 0 ;;
esac
printf 'kernel log not clean: %s\n' "$json" >&2
exit 1
