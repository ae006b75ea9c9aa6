#!/bin/bash
# harness/vm/build-initramfs.sh -- build (or find cached) the base initramfs for the guest.
#
# The base archive holds: busybox-static with applet symlinks in /bin, the mtd-utils tools
# in /usr/sbin with their shared libraries and the dynamic loader (found by ldd), the kernel
# modules for mtd, mtdblock, ubi, ubifs, jffs2, nandsim, fuse, block2mtd, zstd (the crypto
# compressor UBIFS needs at init) and everything they depend on (with modules.dep and
# modules.alias made by depmod, so `modprobe` and the kernel's request_module via
# /sbin/modprobe work), and harness/vm/guest/init.
# It is an uncompressed newc cpio (fastest to unpack under TCG), cached in
# $FLASHFAULT_CACHE/initramfs/base-<hash>.cpio where <hash> covers every input file.
#
# Usage: build-initramfs.sh [--modules DIR]   (DIR = /lib/modules/<abi> tree; default: from
#        fetch-kernel.sh).  Prints BASE_INITRAMFS=<path> on stdout.
# Must not: add per-run files (see make-payload.sh), or write outside the cache directory.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

modules=""
while [ $# -gt 0 ]; do
    case "$1" in
        --modules) modules="${2:?--modules needs a directory}"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) vm_die "build-initramfs.sh: unknown option '$1'" ;;
    esac
done
if [ -z "$modules" ]; then
    eval "$("$FF_VM_DIR/fetch-kernel.sh" --no-headers)"
    modules="$MODULES"
fi
[ -f "$modules/modules.dep" ] || vm_die "$modules/modules.dep missing (run fetch-kernel.sh)"
abi="$(basename "$modules")"
modroot="$(cd "$modules/../../.." && pwd)"   # the tree that holds lib/modules/<abi>

vm_need busybox cpio ldd modprobe depmod sha256sum
busybox="$(command -v busybox)"
file "$busybox" 2>/dev/null | grep -q 'statically linked' ||
    ldd "$busybox" 2>&1 | grep -q 'not a dynamic' || vm_die "$busybox is not static (install busybox-static)"

KMODS="mtd mtdblock ubi ubifs jffs2 nandsim fuse block2mtd zstd deflate virtio_pci virtio_console"
# zstd, deflate: UBIFS compressors (crypto; deflate is built in on 6.1, a module on 6.12); virtio_pci + virtio_console: the rig's serial ports (the
# kernel log stream of guest/init, ff_export)
# mtd-utils, then what filesystem tests reach for: setfattr/getfattr (attr), xfs_io (xfsprogs)
TOOLS="ubiformat ubiattach ubidetach ubimkvol ubinfo ubirmvol ubiupdatevol ubirsvol ubirename
       flash_erase flash_eraseall nanddump nandwrite nandtest mtd_debug mtdinfo mkfs.ubifs
       mkfs.jffs2 ubinize setfattr getfattr xfs_io"

# --- resolve inputs -------------------------------------------------------------------
kofiles=()
for m in $KMODS; do
    out="$(modprobe -d "$modroot" -S "$abi" --show-depends "$m" 2>&1)" ||
        vm_die "module $m not found in $modules: $out"
    while read -r verb path _; do
        [ "$verb" = insmod ] && kofiles+=("$path")
    done <<<"$out"
done
mapfile -t kofiles < <(printf '%s\n' "${kofiles[@]}" | sort -u)

tools=()
for t in $TOOLS; do
    p="$(command -v "$t" 2>/dev/null || true)"
    if [ -n "$p" ]; then tools+=("$(readlink -f "$p")")
    else vm_log "note: $t not installed on the host; left out (install mtd-utils)"; fi
done
[ "${#tools[@]}" -gt 0 ] || vm_die "no mtd-utils tools found (apt-get install mtd-utils)"

# Shared libraries (with the loader) of a dynamic executable, one host path per line.
elf_libs() {
    ldd "$1" 2>/dev/null | awk '/=> \// { print $3; next } /^[ \t]*\// { print $1 }'
}
libs=()
for t in "${tools[@]}"; do mapfile -t -O "${#libs[@]}" libs < <(elf_libs "$t"); done
mapfile -t libs < <(printf '%s\n' "${libs[@]}" | sort -u)

init="$FF_VM_DIR/guest/init"
[ -f "$init" ] || vm_die "$init missing"

hash="$( { sha256sum "$0" "$init" "$busybox" "${tools[@]}" "${kofiles[@]}"
          for l in "${libs[@]}"; do sha256sum "$(readlink -f "$l")"; done
          echo "$abi $KMODS"; } | sed 's/ .*\// /' | sha256sum | cut -c1-16)"
out="$FF_CACHE/initramfs/base-$abi-$hash.cpio"
if [ -f "$out" ]; then
    vm_log "base initramfs $hash (cached)"
    printf 'BASE_INITRAMFS=%s\n' "$out"
    exit 0
fi

# --- build ----------------------------------------------------------------------------
vm_log "building base initramfs $hash"
mkdir -p "$FF_CACHE/initramfs"
stage="$(mktemp -d "$FF_CACHE/initramfs/stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,run,mnt,root,etc,ff}

install -m 0755 "$busybox" "$stage/bin/busybox"
for a in $("$busybox" --list); do
    [ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
done
ln -s ../bin/busybox "$stage/sbin/modprobe"   # the kernel's usermode helper path
for t in "${tools[@]}"; do install -m 0755 "$t" "$stage/usr/sbin/$(basename "$t")"; done
for l in "${libs[@]}"; do
    mkdir -p "$stage$(dirname "$l")"
    cp -L "$l" "$stage$l"
done

kdst="$stage/lib/modules/$abi"
mkdir -p "$kdst"
for k in "${kofiles[@]}"; do
    rel="${k#"$modules"/}"
    mkdir -p "$kdst/$(dirname "$rel")"
    case "$k" in
        *.ko.xz)  xz -dc "$k" >"$kdst/${rel%.xz}" ;;
        *.ko.zst) zstd -qdc "$k" >"$kdst/${rel%.zst}" ;;
        *.ko.gz)  gzip -dc "$k" >"$kdst/${rel%.gz}" ;;
        *)        cp "$k" "$kdst/$rel" ;;
    esac
done
cp "$modules"/modules.order "$modules"/modules.builtin* "$kdst/" 2>/dev/null || true
depmod -b "$stage" "$abi" || vm_die "depmod -b on the staging tree failed"

install -m 0755 "$init" "$stage/init"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$stage/etc/passwd"
printf 'root:x:0:\n' >"$stage/etc/group"

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$out.tmp" ||
    vm_die "cpio failed"
mv "$out.tmp" "$out"
for old in "$FF_CACHE/initramfs/base-$abi-"*.cpio; do   # older builds of the same kernel
    [ "$old" = "$out" ] || rm -f "$old"
done
vm_log "base initramfs: $out ($(du -h "$out" | cut -f1))"
printf 'BASE_INITRAMFS=%s\n' "$out"
