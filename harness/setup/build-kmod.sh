#!/usr/bin/env bash
# Builds kmod/muse.ko against the headers of the guest kernel (the ABI that
# Debian's linux-image-amd64 names), in BUILD_DIR/kmod so the source tree
# stays clean. Usage: build-kmod.sh [BUILD_DIR]  (default: build/)
#
# Fetches nothing itself: harness/vm/fetch-kernel.sh installs the headers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(mkdir -p "${1:-$root/build}" && cd "${1:-$root/build}" && pwd)"

headers="$(bash "$root/harness/vm/fetch-kernel.sh" | sed -n 's/^HEADERS=//p')"
[ -d "$headers" ] || { echo "build-kmod: no kernel headers at '$headers'" >&2; exit 1; }
mkdir -p "$build/kmod"
# Copy only sources, so kbuild's outputs never land in the repository.
find "$root/kmod" -maxdepth 1 -type f \( -name '*.[ch]' ! -name '*.mod.c' -o -name Kbuild \
  -o -name Makefile \) -exec cp {} "$build/kmod/" \;
make -s -C "$build/kmod" KDIR="$headers" modules
echo "built $build/kmod/muse.ko for $(modinfo -F vermagic "$build/kmod/muse.ko" | cut -d' ' -f1)"
