#!/bin/bash
# harness/vm/kmsg-render.sh -- turn the streamed kernel log (kmsg.log) into dmesg text.
#
# kmsg.log holds the guest's /dev/kmsg records as the kernel wrote them, one per line:
#   PRIO,SEQ,MICROSECONDS,FLAGS[,...];TEXT     (TEXT escapes bytes as \xNN)
#   followed by " KEY=VALUE" dictionary lines, which are skipped.
# This prints each record as dmesg would ("[   12.345678] TEXT", one line per line of a
# multi-line record), once: a record repeated after the reader reopened /dev/kmsg is
# dropped. Sequence numbers must run 0, 1, 2, ...; a gap means the ring buffer overwrote
# records before the stream carried them out, and is printed in place as
#   "[ records lost ] flashfault: N kernel log records lost (seq A-B)".
#
# Usage: kmsg-render.sh [--nonce NONCE] [--stats FILE] KMSG_LOG >dmesg.log
#   --stats FILE  writes shell assignments: KMSG_RECORDS (records kept), KMSG_LOST (records
#                 missing), KMSG_GAPS ("A-B ..." the first 8 gaps), KMSG_END (1 when the end
#                 record "flashfault: kmsg end NONCE" of guest/init arrived, else 0),
#                 KMSG_LAST_TS (seconds of the last record), KMSG_BAD (unparsable lines).
# Must not: modify KMSG_LOG, or classify anything (classify-dmesg.sh does).
set -euo pipefail
nonce="" stats=/dev/null
while [ $# -gt 1 ]; do
    case "$1" in
        --nonce) nonce="${2:?--nonce needs a value}"; shift 2 ;;
        --stats) stats="${2:?--stats needs a file}"; shift 2 ;;
        *) printf 'kmsg-render.sh: unknown option %s\n' "$1" >&2; exit 2 ;;
    esac
done
[ $# -eq 1 ] || { printf 'usage: kmsg-render.sh [--nonce N] [--stats FILE] KMSG_LOG\n' >&2; exit 2; }

LC_ALL=C awk -v nonce="$nonce" -v stats="$stats" '
BEGIN { for (i = 1; i < 256; i++) hex[sprintf("%02x", i)] = sprintf("%c", i); have = 0 }
function unescape(s,   out, p, h) {
    out = ""
    while ((p = index(s, "\\x")) > 0) {
        h = tolower(substr(s, p + 2, 2))
        if (h in hex) { out = out substr(s, 1, p - 1) hex[h]; s = substr(s, p + 4) }
        else { out = out substr(s, 1, p + 1); s = substr(s, p + 2) }
    }
    return out s
}
function lost_range(a, b) {
    lost += b - a + 1
    if (ngaps++ < 8) gaps = gaps (gaps == "" ? "" : " ") a "-" b
    printf "[ records lost ] flashfault: %d kernel log records lost (seq %d-%d)\n", b - a + 1, a, b
}
/^ / { next }
{
    sub(/\r$/, "")
    semi = index($0, ";")
    if (semi == 0) { bad++; next }
    nf = split(substr($0, 1, semi - 1), f, ",")
    if (nf < 4 || f[1] !~ /^[0-9]+$/ || f[2] !~ /^[0-9]+$/ || f[3] !~ /^[0-9]+$/) { bad++; next }
    seq = f[2] + 0
    if (have && seq <= last) next
    if (!have && seq > 0) lost_range(0, seq - 1)
    if (have && seq > last + 1) lost_range(last + 1, seq - 1)
    have = 1; last = seq; records++
    ts = f[3] + 0
    text = unescape(substr($0, semi + 1))
    if (nonce != "" && (f[1] + 0) >= 8 && text == "flashfault: kmsg end " nonce) ended = 1
    n = split(text, parts, "\n")
    if (n == 0) { n = 1; parts[1] = "" }
    for (i = 1; i <= n; i++) printf "[%5d.%06d] %s\n", int(ts / 1000000), ts % 1000000, parts[i]
}
END {
    printf "KMSG_RECORDS=%d\nKMSG_LOST=%d\nKMSG_GAPS=\"%s\"\nKMSG_END=%d\nKMSG_LAST_TS=%.6f\nKMSG_BAD=%d\n",
        records, lost, gaps, ended ? 1 : 0, (have ? ts : 0) / 1000000, bad > stats
}' "$1"
