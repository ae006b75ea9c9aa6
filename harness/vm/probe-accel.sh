#!/bin/bash
# harness/vm/probe-accel.sh -- choose the guest accelerator: kvm if a real boot works, else tcg.
#
# A usable /dev/kvm is not enough (a nested guest may hang on it), so this boots the kernel
# with the base initramfs under KVM and waits up to $FLASHFAULT_KVM_PROBE_TIMEOUT seconds
# (default 8) for the guest's READY marker. The verdict is cached per machine, host kernel,
# qemu version and guest kernel in $FLASHFAULT_CACHE/accel/. FLASHFAULT_ACCEL=kvm|tcg forces a
# choice; FLASHFAULT_REPROBE=1 ignores the cache.
#
# Usage: probe-accel.sh KERNEL BASE_INITRAMFS
# Prints: ACCEL=kvm|tcg and ACCEL_NOTE=<why> (sourceable).
# Must not: run a payload, or leave a qemu process behind.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

kernel="${1:?usage: probe-accel.sh KERNEL BASE_INITRAMFS}"
initrd="${2:?usage: probe-accel.sh KERNEL BASE_INITRAMFS}"
say() { printf 'ACCEL=%s\nACCEL_NOTE=%q\n' "$1" "$2"; exit 0; }

case "${FLASHFAULT_ACCEL:-}" in
    kvm|tcg) say "$FLASHFAULT_ACCEL" "forced by FLASHFAULT_ACCEL" ;;
    "") ;;
    *) vm_die "FLASHFAULT_ACCEL must be kvm or tcg, not '$FLASHFAULT_ACCEL'" ;;
esac
[ -e /dev/kvm ] || say tcg "no /dev/kvm"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || say tcg "no read/write access to /dev/kvm (add yourself to group kvm)"

qemu="${FLASHFAULT_QEMU:-qemu-system-x86_64}"
key="$( { cat /etc/machine-id 2>/dev/null || hostname; uname -r; "$qemu" --version | head -n1
          basename "$kernel"; stat -c %s "$kernel"; } | sha256sum | cut -c1-16)"
cache="$FF_CACHE/accel/$key"
if [ "${FLASHFAULT_REPROBE:-0}" != 1 ] && [ -f "$cache" ]; then
    read -r accel note <"$cache"
    say "$accel" "${note:-cached} (cached)"
fi

limit="${FLASHFAULT_KVM_PROBE_TIMEOUT:-8}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ff-probe.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
vm_qemu_argv kvm 256M "$kernel" "$initrd" "$tmp/console.log" /dev/null
vm_log "probing kvm (a ${limit}s test boot, cached afterwards)"
start="$(vm_now)"
# (in a subshell with stderr dropped, so bash's "Aborted" job notice stays quiet)
rc="$( (timeout -k 2 "$limit" "${QEMU_ARGV[@]}" </dev/null >"$tmp/qemu.out" 2>&1; echo $?) 2>/dev/null)"
if grep -q 'FLASHFAULT-READY' "$tmp/console.log" 2>/dev/null; then
    accel=kvm note="kvm test boot took $(vm_elapsed "$start" "$(vm_now)")s"
elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    accel=tcg note="kvm probe failed: no READY within ${limit}s"
else
    accel=tcg note="kvm probe failed: qemu exit $rc: $(tr -s '\n' ' ' <"$tmp/qemu.out" | cut -c1-160)"
fi
mkdir -p "$FF_CACHE/accel"
printf '%s %s\n' "$accel" "$note" >"$cache"
say "$accel" "$note"
