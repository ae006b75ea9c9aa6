#!/bin/bash
# harness/vm/run-guest.sh -- run one guest script in a fresh QEMU guest and collect results.
#
# Usage: run-guest.sh --script GUEST.sh [--file HOST[:GUEST]]... [--out DIR]
#                     [--timeout SECS] [--mem 1G] [--append "KERNEL ARGS"] [--env NAME=VALUE]...
#                     [--export DIR]   (files the guest sends with ff_export land in DIR)
#                     [--kernel SPEC]  (default, 6.1, 6.12, an ABI or debug: fetch-kernel.sh)
#                     [--channel SOCK] (a two-way virtio port flashfault.channel, which the
#                                       host reaches as the unix socket SOCK: qemu listens,
#                                       the host connects; the kernel fuzzer's link)
# Steps: fetch-kernel.sh (cached), build-initramfs.sh (cached), probe-accel.sh (cached),
# make-payload.sh; boot qemu with base+payload initramfs; the guest's /init runs the script
# (busybox ash, as root, cwd /root, helpers in /ff) and powers off. Writes into DIR:
#   console.log  raw serial console      guest.log  the script's stdout+stderr
#   kmsg.log     every kernel log record as /dev/kmsg gave it (with sequence numbers),
#                streamed out of the guest while it ran (guest/init)
#   dmesg.log    the whole kernel log as text (kmsg-render.sh; the console's kernel lines
#                after the stream ended, when the guest died first)
#   result.json  exit, accel, timings, kernel_log counts, records streamed and lost
# Exit status: the guest script's exit status; 1 when the rig fails (timeout, panic, no
# exit marker, kernel log records lost). A boot that does not reach /init (a panic while
# booting, or no /init within $FLASHFAULT_BOOT_TIMEOUT s, default 120) is retried once. Progress goes to stderr as "[vm] ..." lines.
# Must not: modify the guest script or host files, or leave qemu running (a host-side
# timeout kills it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

script="" out="" limit=300 mem=1G append="" files=() export_dir="" kernel=() channel=""
while [ $# -gt 0 ]; do
    case "$1" in
        --script) script="${2:?--script needs a file}"; shift 2 ;;
        --file) files+=(--file "${2:?--file needs HOST[:GUEST]}"); shift 2 ;;
        --env) files+=(--env "${2:?--env needs NAME=VALUE}"); shift 2 ;;
        --out) out="${2:?--out needs a directory}"; shift 2 ;;
        --timeout) limit="${2:?--timeout needs seconds}"; shift 2 ;;
        --mem) mem="${2:?--mem needs a size}"; shift 2 ;;
        --append) append="${2:?--append needs kernel arguments}"; shift 2 ;;
        --export) export_dir="${2:?--export needs a directory}"; shift 2 ;;
        --channel) channel="${2:?--channel needs a socket path}"; shift 2 ;;
        --kernel) kernel=(--kernel "${2:?--kernel needs a kernel (default, 6.1, 6.12, an ABI)}"); shift 2 ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) printf 'run-guest.sh: unknown option %s (see --help)\n' "$1" >&2; exit 1 ;;
    esac
done
[ -n "$script" ] || vm_die "run-guest.sh: --script GUEST.sh is required (see --help)"
[ -f "$script" ] || vm_die "guest script $script not found"
[[ "$limit" =~ ^[0-9]+$ ]] || vm_die "--timeout must be whole seconds, not '$limit'"
vm_need "${FLASHFAULT_QEMU:-qemu-system-x86_64}"
[ -n "$out" ] || out="$(mktemp -d "${TMPDIR:-/tmp}/ff-vm.XXXXXX")"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
case "$out" in *,*) vm_die "--out $out: a comma cannot be passed to qemu's -chardev path" ;; esac
rm -f "$out"/{console.log,guest.log,dmesg.log,kmsg.log,result.json,qemu.stderr}

t0="$(vm_now)"
eval "$("$FF_VM_DIR/fetch-kernel.sh" --no-headers "${kernel[@]}")"
eval "$("$FF_VM_DIR/build-initramfs.sh" --modules "$MODULES")"
boot_kernel="${VMLINUX:-$KERNEL}"   # the ELF vmlinux boots through PVH, skipping decompression
eval "$("$FF_VM_DIR/probe-accel.sh" "$boot_kernel" "$BASE_INITRAMFS")"
if [ "$ACCEL" = kvm ]; then vm_log "accel: kvm ($ACCEL_NOTE)"; else vm_log "accel: tcg ($ACCEL_NOTE)"; fi

nonce="$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
initrd="$out/.initrd.cpio"
trap 'rm -f "$initrd" "$initrd.payload"' EXIT
"$FF_VM_DIR/make-payload.sh" --script "$script" --nonce "$nonce" --out "$initrd.payload" "${files[@]}"
cat "$BASE_INITRAMFS" "$initrd.payload" >"$initrd"

console="$out/console.log"
vm_qemu_argv "$ACCEL" "$mem" "$boot_kernel" "$initrd" "$console" "$out/kmsg.log" "$append"
if [ -n "$export_dir" ]; then
    # Files out of the guest (lib.sh ff_export): one tar stream through a virtio serial
    # port, unpacked into the export directory when the guest is gone.
    QEMU_ARGV+=(-device virtio-serial-pci,id=ffexpbus -chardev "file,id=ffexp,path=$out/export.tar"
                -device virtserialport,bus=ffexpbus.0,chardev=ffexp,name=flashfault.export)
fi
if [ -n "$channel" ]; then
    case "$channel" in *,*) vm_die "--channel $channel: a comma cannot be passed to qemu's -chardev path" ;; esac
    rm -f "$channel"
    QEMU_ARGV+=(-device virtio-serial-pci,id=ffchbus -chardev "socket,id=ffch,path=$channel,server=on,wait=off"
                -device virtserialport,bus=ffchbus.0,chardev=ffch,name=flashfault.channel)
fi
printf '%q ' "${QEMU_ARGV[@]}" >"$out/qemu.cmdline"; echo >>"$out/qemu.cmdline"

# boot_once: one boot until qemu exits, the whole-run deadline passes, or /init is not
# reached within the boot bound (FLASHFAULT_BOOT_TIMEOUT, default 120 s: a boot that prints
# nothing more after "Booting from ROM" has stalled, however slow the host). Sets tb,
# ready, timed_out, stalled and qrc.
boot_once() {
    : >"$console"; : >"$out/kmsg.log"
    [ -z "$export_dir" ] || : >"$out/export.tar"
    vm_log "booting (timeout ${limit}s, results in $out)"
    tb="$(vm_now)"
    "${QEMU_ARGV[@]}" </dev/null >/dev/null 2>"$out/qemu.stderr" &
    qpid=$!
    local deadline=$(( EPOCHSECONDS + limit )) boot_deadline=$(( EPOCHSECONDS + ${FLASHFAULT_BOOT_TIMEOUT:-120} ))
    ready="" timed_out=0 stalled=0
    while kill -0 "$qpid" 2>/dev/null; do
        if [ -z "$ready" ] && grep -q "FLASHFAULT-READY $nonce" "$console"; then
            ready="$(vm_now)"
            vm_log "booted in $(vm_elapsed "$tb" "$ready")s"
        fi
        if [ "$EPOCHSECONDS" -ge "$deadline" ] || { [ -z "$ready" ] && [ "$EPOCHSECONDS" -ge "$boot_deadline" ]; }; then
            if [ -z "$ready" ]; then stalled=1; else timed_out=1; fi
            kill -9 "$qpid" 2>/dev/null || true
            break
        fi
        if [ -z "$ready" ]; then sleep 0.02; else sleep 0.1; fi
    done
    set +e; wait "$qpid" 2>/dev/null; qrc=$?; set -e
    if [ -z "$ready" ] && grep -q "FLASHFAULT-READY $nonce" "$console"; then ready="$(vm_now)"; fi
}
trap 'kill -9 "${qpid:-}" 2>/dev/null || true; rm -f "$initrd" "$initrd.payload"' EXIT
boot_once
# A boot that never reached /init ran nothing of the script, so one retry loses nothing:
# under TCG a kernel can die while patching its own text (an int3 Oops in the first
# seconds, seen with 6.12) or stall after the firmware. The first attempt's console stays.
if [ -z "$ready" ]; then
    why="qemu exit $qrc"
    [ "$stalled" = 1 ] && why="no /init within ${FLASHFAULT_BOOT_TIMEOUT:-120}s"
    grep -q 'Kernel panic' "$console" && why="kernel panic during boot: $(grep -m1 -E 'Oops|BUG|panic' "$console" | tr -d '\r')"
    cp "$console" "$out/console.boot-failed.log"
    vm_log "the guest did not reach /init ($why); retrying the boot once (console kept in console.boot-failed.log)"
    # A new channel for the new guest (a client waiting for its agent reconnects).
    if [ -n "$channel" ]; then rm -f "$channel"; fi
    boot_once
fi
tend="$(vm_now)"
if [ -z "$ready" ] && grep -q "FLASHFAULT-READY $nonce" "$console"; then ready="$tend"; fi

# ---- split the console into its parts ---------------------------------------------------
tr -d '\r' <"$console" >"$out/.console.txt"
section() {   # section BEGIN-MARK END-MARK: lines strictly between the two marker lines
    awk -v b="$1 $nonce" -v e="$2 $nonce" '$0 == e { f = 0 } f { print } $0 == b { f = 1 }' "$out/.console.txt"
}
exit_code="$(sed -n "s/^FLASHFAULT-EXIT $nonce \([0-9]*\)\$/\1/p" "$out/.console.txt" | head -n1)"
error=""
if grep -q "^FLASHFAULT-END-GUEST-LOG $nonce" "$out/.console.txt"; then
    section FLASHFAULT-BEGIN-GUEST-LOG FLASHFAULT-END-GUEST-LOG >"$out/guest.log"
else   # incomplete run: keep what streamed live after the start marker
    awk -v s="FLASHFAULT-START $nonce" 'f { print } $0 == s { f = 1 }' "$out/.console.txt" >"$out/guest.log"
fi
# The kernel log: the streamed records; when the stream did not reach its end record (the
# guest panicked or was killed), the console's kernel lines from after the last record.
KMSG_RECORDS=0 KMSG_LOST=0 KMSG_GAPS="" KMSG_END=0 KMSG_LAST_TS=0
"$FF_VM_DIR/kmsg-render.sh" --nonce "$nonce" --stats "$out/.kmsg.stats" "$out/kmsg.log" >"$out/dmesg.log"
source "$out/.kmsg.stats"
rm -f "$out/.kmsg.stats"
if [ "$KMSG_RECORDS" = 0 ]; then
    cp "$out/.console.txt" "$out/dmesg.log"
    dmesg_source=console
elif [ "$KMSG_END" = 1 ]; then
    dmesg_source=kmsg
else
    awk -v after="$KMSG_LAST_TS" '
        /^\[ *[0-9]+\.[0-9]+\]/ { t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t); if (t + 0 > after + 0) print }
    ' "$out/.console.txt" >>"$out/dmesg.log"
    dmesg_source=kmsg+console
fi
rm -f "$out/.console.txt"

if [ "$timed_out" = 1 ]; then
    error="timeout: the guest did not finish within ${limit}s (qemu killed)"
elif [ "$stalled" = 1 ]; then
    error="the guest did not reach /init within ${FLASHFAULT_BOOT_TIMEOUT:-120}s, twice (boot stalled; qemu killed)"
elif [ -z "$ready" ]; then
    error="the guest never reached /init, twice (qemu exit $qrc$(grep -q 'Kernel panic' "$console" && echo ', kernel panic during boot')): $(tail -c 300 "$out/qemu.stderr" | tr -s '\n' ' ')"
elif [ -z "$exit_code" ]; then
    if grep -q 'Kernel panic' "$out/dmesg.log"; then error="guest kernel panic before the script finished"
    else error="guest stopped without an exit marker (qemu exit $qrc)"; fi
elif [ "$KMSG_LOST" != 0 ]; then
    error="the kernel log lost $KMSG_LOST records (seq $KMSG_GAPS) before the stream carried them out"
fi
if [ -n "$export_dir" ] && [ -s "$out/export.tar" ]; then
    mkdir -p "$export_dir"
    tar -x -C "$export_dir" -f "$out/export.tar" 2>>"$out/qemu.stderr" ||
        vm_log "the guest's export archive is incomplete (kept in $out/export.tar)"
    rm -f "$out/export.tar"
fi
kernel_log="$("$FF_VM_DIR/classify-dmesg.sh" "$out/dmesg.log")"

boot_s=null guest_up=null
[ -n "$ready" ] && boot_s="$(vm_elapsed "$tb" "$ready")"
up="$(sed -n "s/.*FLASHFAULT-READY $nonce uptime=\([0-9.]*\).*/\1/p" "$console" | head -n1)"
[ -n "$up" ] && guest_up="$up"
wall_s="$(vm_elapsed "$t0" "$tend")"
run_s="$(vm_elapsed "$tb" "$tend")"
esc() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '%s' "${s//[$'\t\n\r']/ }"; }
{
    printf '{"exit": %s, "accel": "%s", "accel_note": "%s", ' "${exit_code:-null}" "$ACCEL" "$(esc "$ACCEL_NOTE")"
    printf '"boot_seconds": %s, "guest_uptime_at_ready": %s, "run_seconds": %s, "wall_seconds": %s, ' \
        "$boot_s" "$guest_up" "$run_s" "$wall_s"
    printf '"error": %s, "dmesg_source": "%s", "kernel_log_records": %s, "kernel_log_lost": %s, ' \
        "$( [ -n "$error" ] && printf '"%s"' "$(esc "$error")" || echo null)" "$dmesg_source" \
        "$KMSG_RECORDS" "$KMSG_LOST"
    printf '"kernel_log_gaps": "%s", "kernel_log_complete": %s, "kernel": "%s", "script": "%s", "kernel_log": %s}\n' \
        "$KMSG_GAPS" "$( [ "$KMSG_END" = 1 ] && echo true || echo false)" "$ABI" "$(esc "$script")" "$kernel_log"
} >"$out/result.json.tmp"
mv "$out/result.json.tmp" "$out/result.json"

if [ -n "$error" ]; then
    vm_log "FAILED: $error"
    vm_log "last console lines:"
    tail -n 15 "$console" | tr -d '\r' | sed 's/^/[vm]   | /' >&2
    vm_log "results in $out (wall ${wall_s}s)"
    exit 1
fi
vm_log "guest script exited $exit_code (run ${run_s}s, wall ${wall_s}s); results in $out"
exit "$exit_code"
