#!/usr/bin/env bash
# Builds kmod/muse.ko against the headers of a guest kernel, outside the source tree.
#
# Usage: build-kmod.sh [--kernel SPEC] [BUILD_DIR]
#   no --kernel    the default guest kernel (what linux-image-amd64 names), into
#                  BUILD_DIR/kmod (default BUILD_DIR: build/)
#   --kernel SPEC  default, 6.1, 6.12 or an ABI (see harness/vm/fetch-kernel.sh), into
#                  BUILD_DIR/kmod-ABI, or $FLASHFAULT_CACHE/kmod/ABI without BUILD_DIR:
#                  one cached module per kernel, rebuilt only when kmod/ changed
# Prints ABI=... and MUSE_KO=... on stdout (progress on stderr).
#
# One source for every kernel: kmod/ carries its own compatibility shims; this script never
# patches or copies the module into variants. Fetches nothing itself: fetch-kernel.sh
# resolves the kernel and installs its headers from Debian's archive.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/harness/vm/common.sh"

spec=""
while [ $# -gt 0 ]; do
    case "$1" in
        --kernel) spec="${2:?--kernel needs a kernel (default, 6.1, 6.12, an ABI)}"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "build-kmod: unknown option '$1' (see --help)" >&2; exit 2 ;;
        *) break ;;
    esac
done

kernel=()
[ -n "$spec" ] && kernel=(--kernel "$spec")
fetched="$(bash "$root/harness/vm/fetch-kernel.sh" "${kernel[@]}")" || exit $?   # 2: not a kernel
eval "$(grep -E '^(ABI|HEADERS)=' <<<"$fetched")"
[ -d "$HEADERS" ] || { echo "build-kmod: no kernel headers at '$HEADERS'" >&2; exit 1; }

if [ -z "$spec" ]; then
    out="${1:-$root/build}/kmod"
elif [ $# -gt 0 ]; then
    out="$1/kmod-$ABI"
else
    out="$FF_CACHE/kmod/$ABI"
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
# Only sources, with their times (-p), so kbuild's outputs never land in the repository
# and an unchanged module is not rebuilt.
find "$root/kmod" -maxdepth 1 -type f \( -name '*.[ch]' ! -name '*.mod.c' -o -name Kbuild \
  -o -name Makefile \) -exec cp -p {} "$out/" \;
make -s -C "$out" KDIR="$HEADERS" modules >&2
vermagic="$(modinfo -F vermagic "$out/muse.ko" | cut -d' ' -f1)"
[ "$vermagic" = "$ABI" ] || { echo "build-kmod: $out/muse.ko is for '$vermagic', not $ABI" >&2; exit 1; }
echo "built $out/muse.ko for $ABI" >&2
printf 'ABI=%s\nMUSE_KO=%s\n' "$ABI" "$out/muse.ko"
