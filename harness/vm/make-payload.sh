#!/bin/bash
# harness/vm/make-payload.sh -- build the per-run payload cpio appended after the base one.
#
# The payload holds /ff/run.sh (the guest script), /ff/nonce (the per-run marker nonce),
# the guest helper files from harness/vm/guest/ (lib.sh, ubi-figures.sh) and
# harness/vm/classify-dmesg.sh as /ff/classify-dmesg.sh, plus any extra host files: each
# --file HOST[:GUEST] lands at GUEST (default /<basename>); a dynamic ELF also brings its
# shared libraries (by ldd) at their host paths. ELF files are staged without debug
# sections (strip --strip-debug on the copy): a RelWithDebInfo server is ~40 MiB of
# DWARF that the kernel would otherwise unpack on every boot. The kernel unpacks
# concatenated cpio archives in order, so payload files override base files.
#
# --env NAME=VALUE lines go to /ff/env, which the guest's /init sources before the script.
#
# Usage: make-payload.sh --script GUEST.sh --nonce STR --out FILE [--file HOST[:GUEST]]...
#                        [--env NAME=VALUE]...
# Must not: put anything in the cache (the payload is per run), or modify the host files.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

script="" nonce="" out="" files=() envs=()
while [ $# -gt 0 ]; do
    case "$1" in
        --script) script="${2:?--script needs a file}"; shift 2 ;;
        --nonce) nonce="${2:?--nonce needs a value}"; shift 2 ;;
        --out) out="${2:?--out needs a file}"; shift 2 ;;
        --file) files+=("${2:?--file needs HOST[:GUEST]}"); shift 2 ;;
        --env) envs+=("${2:?--env needs NAME=VALUE}"); shift 2 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) vm_die "make-payload.sh: unknown option '$1'" ;;
    esac
done
[ -n "$script" ] && [ -n "$nonce" ] && [ -n "$out" ] || vm_die "make-payload.sh: --script, --nonce and --out are required"
[ -f "$script" ] || vm_die "guest script $script not found"
vm_need cpio ldd strip

stage="$(mktemp -d "${TMPDIR:-/tmp}/ff-payload.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/ff"
install -m 0755 "$script" "$stage/ff/run.sh"
printf '%s\n' "$nonce" >"$stage/ff/nonce"
: >"$stage/ff/env"
for e in "${envs[@]}"; do
    [[ "$e" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || vm_die "--env $e: expected NAME=VALUE"
    v="${e#*=}"
    printf "export %s='%s'\n" "${e%%=*}" "${v//\'/\'\\\'\'}" >>"$stage/ff/env"
done
for g in "$FF_VM_DIR"/guest/*.sh; do install -m 0644 "$g" "$stage/ff/"; done
install -m 0755 "$FF_VM_DIR/classify-dmesg.sh" "$stage/ff/classify-dmesg.sh"

add_libs() {   # shared libraries of a dynamic ELF, copied to their host paths
    local lines l
    lines="$(ldd "$1" 2>&1)" || return 0          # not dynamic: nothing to add
    if grep -q 'not found' <<<"$lines"; then
        vm_die "$1 needs libraries the host lacks: $(grep 'not found' <<<"$lines" | tr -s ' \t\n' ' ')"
    fi
    awk '/=> \// { print $3; next } /^[ \t]*\// { print $1 }' <<<"$lines" | while read -r l; do
        [ -e "$stage$l" ] && continue
        mkdir -p "$stage$(dirname "$l")"
        cp -L "$l" "$stage$l"
    done
}

for spec in "${files[@]}"; do
    host="${spec%%:*}"
    guest="${spec#*:}"
    [ "$guest" = "$spec" ] && guest="/$(basename "$host")"
    case "$guest" in /*) ;; *) guest="/$guest" ;; esac
    [ -e "$host" ] || vm_die "--file $spec: $host does not exist"
    mkdir -p "$stage$(dirname "$guest")"
    cp -aL "$host" "$stage$guest"
    if [ -f "$host" ] && [ "$(head -c4 "$host" | od -An -c | tr -d ' ')" = '177ELF' ]; then
        add_libs "$host"
        chmod u+w "$stage$guest"
        strip --strip-debug "$stage$guest" || vm_die "strip --strip-debug of $host failed"
    fi
done

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$out" ||
    vm_die "cpio of the payload failed"
