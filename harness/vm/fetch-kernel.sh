#!/bin/bash
# harness/vm/fetch-kernel.sh -- make the Debian kernel for the guest available in the cache.
#
# Resolves the kernel to use (--kernel SPEC, else $FLASHFAULT_KERNEL, else the ABI that
# linux-image-amd64 depends on, e.g. 6.1.0-56-amd64; see "Kernel specs" below), downloads that
# linux-image deb with `apt-get download` into $FLASHFAULT_CACHE/kernel/<abi>/, unpacks it
# with dpkg-deb -x, runs depmod on the unpacked tree and makes sure linux-headers-<abi> is
# installed (needed to build kmod/muse.ko). A second run finds everything cached and only
# prints the paths.
#
# It also extracts the uncompressed ELF vmlinux from the xz-compressed bzImage: qemu boots
# that directly through its PVH entry (CONFIG_PVH=y), which skips the in-guest
# decompression (about 3 s under TCG).
#
# Output (stdout, sourceable):  ABI=... KERNEL=... VMLINUX=... MODULES=... HEADERS=...
# (VMLINUX is empty if extraction failed; boot KERNEL then.)
# Options: --kernel SPEC, --abi ABI (the same as --kernel ABI), --no-headers (do not install
# headers), --resolve (print ABI=... only: no download, no headers)
# Kernel specs: "default" (what linux-image-amd64 names; moves with Debian's updates),
# "6.1" / "6.12" (a series: the ABI its metapackage linux-image-X.Y-amd64 names, else the
# newest linux-image-X.Y...-amd64 the archive offers), or an ABI ("6.12.107+deb12-amd64").
# "debug": the KASAN + KCOV kernel built from Debian's linux-source of the default kernel's
# series by build-debug-kernel.sh (cached; the first use builds it, about 40 minutes on 2
# cores; --resolve fails with exit 3 until it is built).
# $FLASHFAULT_KERNEL_ABI (older name) still pins an ABI. Exit 2 for a spec that names no
# kernel (bad input), 1 when fetching fails.
# Must not: touch the running system's /boot or /lib/modules, or download anything but the
# one kernel image deb (and the headers package via apt-get install).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

spec="${FLASHFAULT_KERNEL:-${FLASHFAULT_KERNEL_ABI:-default}}"
want_headers=1 resolve_only=0
while [ $# -gt 0 ]; do
    case "$1" in
        --kernel|--abi) spec="${2:?$1 needs a value}"; shift 2 ;;
        --no-headers) want_headers=0; shift ;;
        --resolve) resolve_only=1; want_headers=0; shift ;;
        -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) vm_die "fetch-kernel.sh: unknown option '$1'" ;;
    esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The ABI a metapackage (linux-image-amd64, linux-image-6.12-amd64) depends on.
meta_abi() {
    apt-cache depends "$1" 2>/dev/null |
        sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -n1
}

# The newest ABI of series $1 (6.1, 6.12) that has a candidate in the archive: Debian
# names them 6.1.0-N-amd64 and 6.12.N+deb12-amd64.
series_abi() {
    local re="^linux-image-${1//./\\.}[.-][0-9][^ ]*-amd64$" pkg
    for pkg in $(apt-cache pkgnames "linux-image-$1" 2>/dev/null | grep -E "$re" |
                 grep -Ev -- '-(rt|cloud)-amd64$' | sort -rV); do
        # Not `| grep -q`: apt-cache would die of SIGPIPE and pipefail call it a failure.
        if [[ "$(apt-cache policy "$pkg" 2>/dev/null)" =~ Candidate:\ [0-9] ]]; then
            echo "${pkg#linux-image-}"; return 0
        fi
    done
    return 1
}

find_abi() {
    case "$spec" in
        default) meta_abi linux-image-amd64 ;;
        [0-9]*.[0-9]*-amd64) echo "$spec" ;;
        [0-9].[0-9]|[0-9].[0-9][0-9]|[0-9][0-9].[0-9]|[0-9][0-9].[0-9][0-9])
            # The default kernel when it is of this series, else the series' own metapackage.
            local a
            a="$(meta_abi linux-image-amd64)"
            case "$a" in "$spec".*|"$spec"-*) echo "$a"; return 0 ;; esac
            a="$(meta_abi "linux-image-$spec-amd64")"
            if [ -n "$a" ]; then echo "$a"; else series_abi "$spec"; fi ;;
    esac
}

is_elf() { [ "$(head -c4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

# extract_vmlinux BZIMAGE OUT: find the compressed payload by its magic and unpack it.
extract_vmlinux() {
    local magic tool off
    rm -f "$2"
    for magic in $'\xfd7zXZ\x00':'xz -dc' $'\x28\xb5\x2f\xfd':'zstd -qdc' $'\x1f\x8b\x08':'gzip -dc'; do
        tool="${magic#*:}"
        command -v "${tool%% *}" >/dev/null || continue
        for off in $(LC_ALL=C grep -aob "${magic%%:*}" "$1" | cut -d: -f1 | head -n3); do
            tail -c +$((off + 1)) "$1" | $tool >"$2.tmp" 2>/dev/null || true
            if is_elf "$2.tmp"; then mv "$2.tmp" "$2"; return 0; fi
        done
    done
    rm -f "$2.tmp"
    touch "$(dirname "$2")/.no-vmlinux"
    vm_log "note: could not extract vmlinux from $1; the guest will boot the bzImage (slower)"
}

vm_usage() { printf '[vm] error: %s\n' "$*" >&2; exit 2; }   # bad input, not a rig failure
case "$spec" in
    debug|*-ffdebug)   # the spec, or the ABI it resolved to (6.1.192-ffdebug)
        if [ "$resolve_only" = 1 ]; then
            exec "$FF_VM_DIR/build-debug-kernel.sh" --resolve
        fi
        built="$("$FF_VM_DIR/build-debug-kernel.sh")" || vm_die "building the debug kernel failed"
        printf '%s\n' "$built" | sed -n '/^ABI=/,$p' | grep -E '^(ABI|KERNEL|VMLINUX|MODULES|HEADERS)='
        exit 0 ;;
    default|[0-9]*.[0-9]*-amd64|[0-9].[0-9]|[0-9].[0-9][0-9]|[0-9][0-9].[0-9]|[0-9][0-9].[0-9][0-9]) ;;
    *) vm_usage "--kernel '$spec': not a kernel (default, 6.1, 6.12, an ABI such as 6.12.107+deb12-amd64, or debug)" ;;
esac
abi=""
case "$spec" in [0-9]*.[0-9]*-amd64) abi="$spec" ;; esac

# apt-cache takes ~0.7 s: remember its answer per spec until the apt lists change.
abi_memo="$FF_CACHE/kernel/abi-$spec-$(stat -c %Y /var/lib/apt/lists 2>/dev/null || echo 0)"
if [ -z "$abi" ] && [ -s "$abi_memo" ]; then abi="$(cat "$abi_memo")"; fi
if [ -z "$abi" ]; then
    abi="$(find_abi || true)"
    if [ -z "$abi" ]; then
        vm_log "apt-cache resolves no kernel for '$spec'; running apt-get update"
        as_root apt-get update -qq >&2 || vm_die "apt-get update failed"
        abi="$(find_abi || true)"
    fi
    [ -n "$abi" ] || vm_usage "cannot resolve --kernel $spec: the archive names no linux-image for it (default: linux-image-amd64; a series: linux-image-X.Y-amd64 or linux-image-X.Y.*-amd64)"
    mkdir -p "$FF_CACHE/kernel" && rm -f "$FF_CACHE/kernel/abi-$spec"-* && printf '%s\n' "$abi" >"$abi_memo"
fi
if [ "$resolve_only" = 1 ]; then printf 'ABI=%s\n' "$abi"; exit 0; fi

dir="$FF_CACHE/kernel/$abi"
root="$dir/root"
kernel="$root/boot/vmlinuz-$abi"
modules="$root/lib/modules/$abi"

if [ -f "$dir/.complete" ] && [ -f "$kernel" ]; then
    vm_log "kernel $abi (cached)"
    [ -s "$dir/vmlinux" ] || [ -f "$dir/.no-vmlinux" ] || extract_vmlinux "$kernel" "$dir/vmlinux"
else
    vm_need apt-get dpkg-deb depmod
    vm_log "fetching kernel $abi into $dir"
    mkdir -p "$dir"
    deb="$(ls "$dir"/linux-image-"$abi"_*.deb 2>/dev/null | head -n1 || true)"
    if [ -z "$deb" ]; then
        sandbox=()
        [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)
        (cd "$dir" && apt-get "${sandbox[@]}" download "linux-image-$abi" >&2) ||
            vm_die "apt-get download linux-image-$abi failed (is the Debian archive reachable? try 'apt-get update')"
        deb="$(ls "$dir"/linux-image-"$abi"_*.deb | head -n1)"
    fi
    rm -rf "$root.tmp"
    dpkg-deb -x "$deb" "$root.tmp" || vm_die "dpkg-deb -x $deb failed"
    [ -f "$root.tmp/boot/vmlinuz-$abi" ] || vm_die "$deb holds no boot/vmlinuz-$abi"
    # The deb ships no modules.dep (postinst makes it); build it in the unpacked tree.
    depmod -b "$root.tmp" "$abi" || vm_die "depmod -b $root.tmp $abi failed"
    rm -rf "$root"
    mv "$root.tmp" "$root"
    extract_vmlinux "$kernel" "$dir/vmlinux"
    touch "$dir/.complete"
fi
vmlinux=""
[ -s "$dir/vmlinux" ] && vmlinux="$dir/vmlinux"

headers="/usr/src/linux-headers-$abi"
if [ "$want_headers" = 1 ]; then
    if dpkg-query -W -f='${Status}' "linux-headers-$abi" 2>/dev/null | grep -q 'install ok installed'; then
        :
    else
        vm_log "installing linux-headers-$abi"
        as_root apt-get install -y -qq "linux-headers-$abi" >&2 ||
            vm_die "apt-get install linux-headers-$abi failed"
    fi
    [ -d "$headers" ] || vm_die "linux-headers-$abi is installed but $headers is missing"
fi

printf 'ABI=%s\nKERNEL=%s\nVMLINUX=%s\nMODULES=%s\nHEADERS=%s\n' "$abi" "$kernel" "$vmlinux" "$modules" "$headers"
