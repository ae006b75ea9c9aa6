#!/bin/bash
# harness/vm/build-debug-kernel.sh -- build the guest's debug kernel (KASAN + KCOV) from
# Debian's linux-source package of the stock kernel's series, cached.
#
# Usage: build-debug-kernel.sh [--resolve] [--jobs N]
# The source is Debian's linux-source-X.Y (X.Y: the series of the default guest kernel,
# what linux-image-amd64 names), installed with apt-get when missing. The config is
# x86_64_defconfig + kvm_guest.config + harness/vm/debug-kernel.config; KCOV instruments
# the MTD core, UBI, UBIFS and JFFS2 only. The build lands in
#   $FLASHFAULT_CACHE/kernel/debug-<key>/   key: hash of this script, the config fragment
#                                           and the source package's version
# with root/lib/modules/<release> (depmod run), bzImage (what the rig boots), vmlinux (for
# symbols) and the build tree (src/: muse.ko builds against it). A second run finds it and only prints the paths.
# Output (stdout, sourceable, as fetch-kernel.sh): ABI= KERNEL= VMLINUX= MODULES= HEADERS=
# With --resolve: ABI=... when built, exit 3 when not built yet (nothing is built).
# `flashfault ... --kernel debug` and `run-guest.sh --kernel debug` use it through
# fetch-kernel.sh (and build it on first use).
# The build log is kept in the cache directory as build.log; the build time is printed.
# Must not: touch /boot or /lib/modules, or download anything but Debian's packages.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

resolve_only=0 jobs="$(nproc)"
while [ $# -gt 0 ]; do
    case "$1" in
        --resolve) resolve_only=1; shift ;;
        --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) vm_die "build-debug-kernel.sh: unknown option '$1'" ;;
    esac
done
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

fragment="$FF_VM_DIR/debug-kernel.config"
# The stock kernel, whatever $FLASHFAULT_KERNEL names (it may name this very kernel).
stock_abi="$("$FF_VM_DIR/fetch-kernel.sh" --resolve --kernel default | sed -n 's/^ABI=//p')"
series="$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$stock_abi")"
pkg="linux-source-$series"
version="$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)"
if [ -z "$version" ]; then
    version="$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')"
    [ -n "$version" ] && [ "$version" != "(none)" ] ||
        vm_die "Debian's archive offers no $pkg (the stock kernel is $stock_abi)"
fi
# Bump when a change to this script changes what it builds.
recipe=1
key="$( { cat "$fragment"; echo "recipe $recipe $pkg $version"; } | sha256sum | cut -c1-16)"
dir="$FF_CACHE/kernel/debug-$key"

print_paths() {
    local rel
    rel="$(cat "$dir/release")"
    # VMLINUX stays empty: this KASAN kernel does not start through qemu's PVH entry (the
    # guest resets before its first line), so the rig boots the bzImage. vmlinux is kept
    # in the cache for symbolising reports.
    printf 'ABI=%s\nKERNEL=%s\nVMLINUX=\nMODULES=%s\nHEADERS=%s\n' "$rel" "$dir/bzImage" \
        "$dir/root/lib/modules/$rel" "$dir/src"
}
if [ -f "$dir/.complete" ]; then
    if [ "$resolve_only" = 1 ]; then printf 'ABI=%s\n' "$(cat "$dir/release")"; exit 0; fi
    vm_log "debug kernel $(cat "$dir/release") (cached, $pkg $version)"
    print_paths
    exit 0
fi
if [ "$resolve_only" = 1 ]; then
    vm_log "the debug kernel is not built yet: run harness/vm/build-debug-kernel.sh (about 40 minutes on 2 cores)"
    exit 3
fi

# The source and the kernel's build tools come from Debian, installed when any is missing.
missing=0
for tool in bison flex bc; do command -v "$tool" >/dev/null || missing=1; done
for p in "$pkg" libelf-dev libssl-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing=1
done
if [ "$missing" = 1 ]; then
    vm_log "installing $pkg and the kernel's build dependencies"
    as_root apt-get install -y -qq "$pkg" bison flex libelf-dev libssl-dev bc >&2 ||
        vm_die "apt-get install $pkg failed"
fi
vm_need make gcc bison flex bc depmod
tarball="/usr/src/$pkg.tar.xz"
[ -f "$tarball" ] || vm_die "$pkg is installed but $tarball is missing"

t0="$(vm_now)"
rm -rf "$dir" && mkdir -p "$dir"
log="$dir/build.log"
vm_log "building the debug kernel from $pkg $version into $dir (log: $log)"
tar -xf "$tarball" -C "$dir"
mv "$dir/$pkg" "$dir/src"
src="$dir/src"
# KCOV on the flash stack only: Kbuild instruments a directory whose Makefile sets it.
for d in drivers/mtd drivers/mtd/ubi fs/ubifs fs/jffs2; do
    printf '\n# flashfault: KCOV coverage of the flash stack\nKCOV_INSTRUMENT := y\n' >>"$src/$d/Makefile"
done
{
    make -C "$src" x86_64_defconfig
    make -C "$src" kvm_guest.config
    "$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$fragment"
    make -C "$src" olddefconfig
} >>"$log" 2>&1 || vm_die "configuring the kernel failed (see $log)"
# Every line of the fragment must have survived olddefconfig.
missing=""
while IFS= read -r line; do
    case "$line" in
        CONFIG_*=*) grep -qxF "$line" "$src/.config" || missing+=" $line" ;;
        "# CONFIG_"*" is not set") opt="${line#\# }"; opt="${opt%% *}"
            grep -q "^$opt=[ym]" "$src/.config" && missing+=" $opt=n" ;;
    esac
done <"$fragment"
[ -z "$missing" ] || vm_die "the kernel config dropped:$missing (see $src/.config)"

vm_log "compiling with $jobs jobs (KASAN and KCOV make this the long part)"
make -C "$src" -j"$jobs" bzImage modules >>"$log" 2>&1 || vm_die "the kernel build failed (see $log)"
make -C "$src" INSTALL_MOD_PATH="$dir/root" INSTALL_MOD_STRIP=1 modules_install >>"$log" 2>&1 ||
    vm_die "modules_install failed (see $log)"
rel="$(make -s -C "$src" kernelrelease)"
depmod -b "$dir/root" "$rel" || vm_die "depmod failed"
cp "$src/vmlinux" "$dir/vmlinux"
cp "$src/arch/x86/boot/bzImage" "$dir/bzImage"
printf '%s\n' "$rel" >"$dir/release"
elapsed="$(vm_elapsed "$t0" "$(vm_now)")"
printf '%s\n' "$elapsed" >"$dir/build-seconds"
touch "$dir/.complete"
vm_log "debug kernel $rel built in ${elapsed}s with $jobs jobs"
print_paths
