#!/bin/sh
# harness/vm/classify-dmesg.sh -- the one classifier of kernel-log trouble, host and guest.
#
# Reads a kernel log (FILE or stdin: `dmesg` output or the rig's dmesg.log, with or without
# [timestamps]) and prints one JSON object: a count per kind, "lines" (the first 12 matched
# lines), and "first": for each kind seen, its first line and that report's trace.
#
# Bug kinds -- the kernel misbehaved (`flashfault run` fails a scenario on any of them
# unless the scenario expects it):
#   oops ("Oops:", "BUG: kernel NULL pointer dereference", "BUG: unable to handle ...")
#   gpf ("general protection fault"), kernel_bug ("kernel BUG at"), bug (any other "BUG: "),
#   warning ("WARNING: "), kasan ("BUG: KASAN: "), ubsan ("UBSAN: "),
#   ubi_assert ("UBI assert failed"), ubifs_assert ("UBIFS assert failed"),
#   list_corruption ("list_add corruption", "list_del corruption", "list_add double add"),
#   hung_task ("INFO: task ... blocked for more than"), soft_lockup (soft or hard LOCKUP),
#   rcu_stall ("rcu: INFO: ... detected stalls" / "self-detected stall"),
#   unattributed_trace (a call trace whose report has no recognised header), panic.
# Error kinds -- a driver reporting a fault it handled: ubi_errors, ubifs_errors,
#   jffs2_errors, mtd_errors.
#
# Reports: a bug header opens a report that takes the lines after it (up to 40 before its
# trace starts, then every trace line: CPU/Hardware name/RIP/registers/Call Trace/frames/
# </TASK>/end trace); headers inside that prelude belong to it (the "Oops:" after "BUG:
# kernel NULL pointer dereference", the "kernel BUG at lib/list_debug.c" after a list
# corruption). A trace that starts outside a report (dump_stack: "CPU: N PID: N Comm:" or
# "Call Trace:") belongs to the nearest line before it, skipping hex dumps, tab-indented
# header dumps, UBIFS debug dumps ("(pid N) dumping pnode:"), "task:" lines, the rest of a
# trace a line of another CPU cut short (with a "Workqueue:" line's tail split off by
# printk), and the kernel talking about itself from timer and
# interrupt context (perf/hrtimer "interrupt took", clocksource watchdog, RT throttling, a
# workqueue hogging a CPU): when that line is a flash-stack message (UBI, UBIFS, JFFS2,
# MTD: UBI dumps the stack after a failed write, UBIFS when it turns read-only),
# an rcu:/sysrq:/NMI line, or another report, the trace is that line's; otherwise it is an
# unattributed_trace. Hex dump lines of another CPU inside a trace do not split it.
#
# Usage: classify-dmesg.sh [--check | --check-crash | --kinds] [FILE]
#   --check        print nothing and exit 0 when no kind was seen; else the JSON on stderr, exit 1
#   --check-crash  the same for the bug kinds only (tests that provoke UBI/MTD errors)
#   --kinds        print every kind, one "KIND bug|error" line each (the C++ side checks its
#                  list against this one)
# Plain POSIX sh + awk (mawk, gawk, busybox): the rig, `flashfault run` (kernel_log.h) and
# the guest's check_dmesg_clean all classify through this file.
# Must not: change or clear the kernel log; it only reads.
set -eu
mode=""
case "${1:-}" in --check|--check-crash|--kinds) mode="${1#--}"; shift ;; esac
file="${1:--}"

rc=0
json="$(LC_ALL=C awk -v mode="$mode" '
function esc(s) {
    gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, " ", s); gsub(/[[:cntrl:]]/, "", s)
    return s
}
# The bug kind whose report this line starts, or "".
function bug_kind(m) {
    if (m ~ /^BUG: KASAN: /) return "kasan"
    if (m ~ /^UBSAN: /) return "ubsan"
    if (m ~ /UBI assert failed/) return "ubi_assert"
    if (m ~ /UBIFS assert failed/) return "ubifs_assert"
    if (m ~ /^list_(add|del) (corruption|double add)/) return "list_corruption"
    if (m ~ /BUG: soft lockup|hard LOCKUP/) return "soft_lockup"
    if (m ~ /^rcu: INFO: .*(detected stalls|self-detected stall|detected expedited stalls)/) return "rcu_stall"
    if (m ~ /^INFO: task .* blocked for more than [0-9]+ seconds/) return "hung_task"
    if (m ~ /^general protection fault/ || m ~ /^segment-related general protection fault/) return "gpf"
    if (m ~ /^Oops: / || m ~ /^BUG: kernel NULL pointer dereference/ || m ~ /^BUG: unable to handle / || m ~ /^Unable to handle kernel/) return "oops"
    if (m ~ /^kernel BUG at /) return "kernel_bug"
    if (m ~ /^BUG: /) return "bug"
    if (m ~ /^WARNING: /) return "warning"
    if (m ~ /^Kernel panic - not syncing/) return "panic"
    return ""
}
# The error kind of a flash-stack error line, or "".
function error_kind(m, lm) {
    if (m ~ /(UBI|ubi[0-9]+) error:/) return "ubi_errors"
    if (m ~ /UBIFS error/) return "ubifs_errors"
    if (m ~ /jffs2: (error|Error)|JFFS2.*error/) return "jffs2_errors"
    if (lm ~ /^(mtd|nand|nandsim|muse|block2mtd)[^ ]*:? / && lm ~ /error|fail|uncorrectable/) return "mtd_errors"
    return ""
}
# 6.12 puts "UID: N" after the CPU number and a "Tainted: [O]=..." legend line after it.
function trace_start(m) { return m ~ /^CPU: [0-9]+ (UID: [0-9]+ )?PID: [0-9]+ Comm: / || m ~ /^Call Trace:/ }
# The " (flush-ubifs_0_0)" that dump_stack adds to its "Workqueue:" line with pr_cont: a
# printk of another CPU in between makes it a record, and a line, of its own.
function workqueue_tail(m) { return m ~ /^\([^()]+\)$/ }
# A line of a trace once it started: the dump_stack header, registers, frames, the end.
function trace_line(m) {
    if (trace_start(m)) return 1
    if (m ~ /^(Hardware name|Workqueue|Modules linked in|Code|RIP|RSP|RAX|RDX|RBP|R10|R13|FS|CS|CR2|DR0|DR3|DR6|PKRU|Kernel Offset|Stack|Call trace|Tainted):/) return 1
    if (m ~ /^<\/?(TASK|IRQ|NMI|SOFTIRQ|EOI)>/) return 1
    if (workqueue_tail(m)) return 1
    if (m ~ /^(\? )?[A-Za-z0-9_.$]+\+0x[0-9a-f]+\/0x[0-9a-f]+/) return 1
    if (m ~ /^---\[ end (trace|Kernel panic)/ || m ~ /^note: / || m ~ /^Sending NMI from CPU/ || m ~ /^NMI backtrace for cpu/) return 1
    return 0
}
# Lines that sit between a message and the stack it dumps: hex dumps, UBI header dumps,
# and UBIFS debug dumps, whose headers say "(pid N) dumping pnode:", "(pid N) start dumping LEB".
function hexdump(m) { return m ~ /^[0-9a-f]+: [0-9a-f][0-9a-f] / }
function ubifs_dump(m) { return m ~ /^\(pid [0-9]+\) / }
# Also the dump_stack header lines, when a hex dump of another CPU split them from their CPU line.
function transparent(m) {
    return m == "" || hexdump(m) || ubifs_dump(m) || workqueue_tail(m) || m ~ /^(Hardware name|Workqueue|Tainted): / || m ~ /^\t/ || m ~ /dump:$/ || m ~ /^task:[^ ]/ || m ~ /cut here/ || m ~ /^=+$/
}
# What the kernel says about itself from timer or interrupt context, at any moment: under
# TCG on a loaded host these land between a driver message and the stack it dumps.
function interjection(m) {
    return m ~ /^(perf: interrupt took too long|hrtimer: interrupt took|clocksource: |sched: RT throttling)/ || m ~ /^workqueue: .* hogged CPU/
}
function owner_line(m, lm) {
    return lm ~ /^(ubi[0-9]*|ubifs|jffs2|mtd|nand|nandsim|muse|block2mtd)[:( ]/ || m ~ /^(rcu|sysrq): / || m ~ /^NMI backtrace for cpu/
}
function count(kind, line) {
    n[kind]++
    if (nl < 12) lines[nl++] = esc(line)
    if (n[kind] == 1) { first[kind] = esc(line); ntr[kind] = 0; return 1 }
    return 0
}
function keep(kind, line) {   # a line of the first report of `kind`
    if (kind != "" && ntr[kind] < 60) tr[kind, ntr[kind]++] = esc(line)
}
function close_report() { rep = ""; cap = ""; prev_owner = 1; prev_cap = "" }
BEGIN {
    kinds = "oops gpf kernel_bug bug warning kasan ubsan ubi_assert ubifs_assert list_corruption hung_task soft_lockup rcu_stall unattributed_trace panic"
    ekinds = "ubi_errors ubifs_errors jffs2_errors mtd_errors"
    if (mode == "kinds") {
        nk = split(kinds, k, " "); for (i = 1; i <= nk; i++) print k[i], "bug"
        nk = split(ekinds, k, " "); for (i = 1; i <= nk; i++) print k[i], "error"
        exit 0
    }
    rep = ""; cap = ""; prev_owner = 0; prev_text = ""; prev_cap = ""
}
{
    line = $0
    sub(/\r$/, "", line)
    msg = line
    sub(/^(<[0-9]+>)?\[ *[0-9]+\.[0-9]+\] ?/, "", msg)
    m = msg
    sub(/^ +/, "", m)
    lm = tolower(m)
    # Loading an unsigned out-of-tree module (muse.ko) is expected, not an MTD error.
    if (m ~ /module verification failed|tainting kernel|taints kernel/) next

    ek = error_kind(m, lm)
    if (rep != "") {
        if (!rep_trace) {
            if (trace_start(m)) rep_trace = 1
            if (rep_trace || ++rep_pre <= 40) {
                if (ek != "") count(ek, m)
                keep(cap, msg)
                next
            }
        } else if (trace_line(m)) {
            keep(cap, msg)
            next
        } else if (hexdump(m)) {
            next   # another CPU dumping hex in the middle of this trace
        }
        close_report()
    }

    bk = bug_kind(m)
    if (bk != "") {
        rep = bk; rep_trace = 0; rep_pre = 0
        cap = count(bk, m) ? bk : ""
        prev_text = m
        next
    }
    if (trace_start(m)) {
        rep_trace = 1; rep_pre = 0
        if (prev_owner) {
            rep = "owned"; cap = prev_cap
        } else {
            rep = "unattributed_trace"
            cap = count(rep, prev_text != "" ? prev_text : m) ? rep : ""
        }
        keep(cap, msg)
        next
    }
    if (ek != "") {
        prev_cap = count(ek, m) ? ek : ""
        prev_owner = 1; prev_text = m
        next
    }
    # Frames outside a report are the rest of a trace a message of another CPU cut short: the
    # message before that trace, not its frames, owns the next stack dumped.
    if (transparent(m) || trace_line(m) || interjection(m)) next
    prev_owner = owner_line(m, lm)
    prev_cap = ""
    prev_text = m
}
END {
    if (mode == "kinds") exit 0
    out = "{"
    nb = split(kinds, k, " ")
    nk = split(kinds " " ekinds, k, " ")
    bugs = 0; errs = 0
    for (i = 1; i <= nk; i++) {
        out = out sprintf("\"%s\":%d,", k[i], n[k[i]] + 0)
        if (i <= nb) bugs += n[k[i]]; else errs += n[k[i]]
    }
    out = out "\"lines\":["
    for (i = 0; i < nl; i++) out = out (i ? "," : "") "\"" lines[i] "\""
    out = out "],\"first\":{"
    sep = ""
    for (i = 1; i <= nk; i++) {
        if (!(k[i] in first)) continue
        out = out sep "\"" k[i] "\":{\"line\":\"" first[k[i]] "\",\"trace\":["
        for (j = 0; j < ntr[k[i]]; j++) out = out (j ? "," : "") "\"" tr[k[i], j] "\""
        out = out "]}"
        sep = ","
    }
    print out "}}"
    if (mode == "check" && bugs + errs > 0) exit 3
    if (mode == "check-crash" && bugs > 0) exit 3
}' "$file")" || rc=$?

case "$rc" in
    0) [ -n "$mode" ] && [ "$mode" != kinds ] && exit 0
       printf '%s\n' "$json" ;;
    3) if [ "$mode" = check ]; then printf 'kernel log not clean: %s\n' "$json" >&2
       else printf 'kernel crashed, warned or hung: %s\n' "$json" >&2; fi
       exit 1 ;;
    *) printf 'classify-dmesg.sh: awk failed (exit %s) reading %s\n' "$rc" "$file" >&2; exit 2 ;;
esac
