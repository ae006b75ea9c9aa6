# tests/e2e/lib.sh -- host-side helpers shared by the e2e test scripts (bash; sourced).
#
#   e2e_init NAME "$@"   parse the build dir ($1, optional), set E2E_BUILD, E2E_OUT, E2E_REPO
#   e2e_run GUEST_SCRIPT [run-guest.sh args...]  boot the guest; sets E2E_RC; never exits
#   e2e_json KEY         a number from $E2E_OUT/result.json (top level or kernel_log)
#   e2e_fail MSG         print "FAIL <name>: MSG" (+ where the logs are) and exit 1
#   e2e_pass             print "PASS <name>" with boot and wall seconds, exit 0
# Must not: build anything (ctest builds first) or write outside E2E_OUT.

E2E_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
E2E_VM="$E2E_REPO/harness/vm"

e2e_init() {
    E2E_NAME="$1"; shift
    E2E_BUILD="${1:-$E2E_REPO/build}"
    if [ -d "$E2E_BUILD" ]; then
        E2E_BUILD="$(cd "$E2E_BUILD" && pwd)"
        E2E_OUT="${E2E_OUT_DIR:-$E2E_BUILD/e2e}/$E2E_NAME"
    else
        E2E_OUT="${E2E_OUT_DIR:-${TMPDIR:-/tmp}/flashfault-e2e}/$E2E_NAME"
    fi
    mkdir -p "$E2E_OUT"
    echo "[e2e] $E2E_NAME: results in $E2E_OUT" >&2
}

e2e_fail() {
    echo "FAIL $E2E_NAME: $*"
    echo "  logs: $E2E_OUT/{guest.log,dmesg.log,console.log,result.json}"
    if [ -f "$E2E_OUT/guest.log" ]; then
        echo "  last guest lines:"; tail -n 12 "$E2E_OUT/guest.log" | sed 's/^/  | /'
    fi
    exit 1
}

e2e_run() {
    local script="$1"; shift
    set +e
    "$E2E_VM/run-guest.sh" --script "$script" --out "$E2E_OUT" "$@"
    E2E_RC=$?
    set -e
    [ -f "$E2E_OUT/result.json" ] || e2e_fail "the VM rig failed before writing result.json (exit $E2E_RC)"
}

e2e_json() {
    sed -n "s/.*\"$1\": *\([^,}]*\).*/\1/p" "$E2E_OUT/result.json" | head -n1
}

# e2e_need_clean_kernel_log: fail unless result.json's kernel_log has no matched lines
e2e_need_clean_kernel_log() {
    grep -q '"lines":\[\]' "$E2E_OUT/result.json" ||
        e2e_fail "kernel log not clean: $(sed -n 's/.*"kernel_log": \(.*\)}$/\1/p' "$E2E_OUT/result.json")"
}

e2e_pass() {
    echo "PASS $E2E_NAME (accel $(e2e_json accel | tr -d '"'), boot $(e2e_json boot_seconds)s, wall $(e2e_json wall_seconds)s)"
    exit 0
}

# e2e_figure LABEL KEY: a value from the guest's "FIGURES {...label:LABEL...}" line
e2e_figure() {
    grep "^FIGURES {\"label\":\"$1\"" "$E2E_OUT/guest.log" | tail -n1 | sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p"
}

# e2e_muse_files: find the server binary and muse.ko for the build dir; sets E2E_FILES to
# run-guest.sh --file arguments (/flashfault, /muse.ko). Exits 77 (ctest SKIP_RETURN_CODE)
# with a clear reason when either is missing or the module was built for another kernel.
# Overrides: FLASHFAULT_BIN, FLASHFAULT_MUSE_KO.
e2e_muse_files() {
    local bin="${FLASHFAULT_BIN:-}" ko="${FLASHFAULT_MUSE_KO:-}" c abi vermagic
    if [ -z "$bin" ]; then
        for c in "$E2E_BUILD/flashfault" "$E2E_BUILD/harness/flashfault" "$E2E_BUILD/harness/cli/flashfault" "$E2E_BUILD/bin/flashfault"; do
            [ -x "$c" ] && { bin="$c"; break; }
        done
    fi
    if [ -z "$ko" ]; then
        for c in "$E2E_BUILD/kmod/muse.ko" "$E2E_BUILD/muse.ko" "$E2E_REPO/kmod/muse.ko"; do
            [ -f "$c" ] && { ko="$c"; break; }
        done
    fi
    if [ -z "$bin" ] || [ ! -x "$bin" ]; then
        echo "SKIP $E2E_NAME: the flashfault binary was not found in $E2E_BUILD (build it, or set FLASHFAULT_BIN)"
        exit 77
    fi
    if [ -z "$ko" ] || [ ! -f "$ko" ]; then
        echo "SKIP $E2E_NAME: muse.ko was not found (looked in $E2E_BUILD/kmod, $E2E_REPO/kmod; build kmod/, or set FLASHFAULT_MUSE_KO)"
        exit 77
    fi
    abi="$("$E2E_VM/fetch-kernel.sh" --no-headers 2>/dev/null | sed -n 's/^ABI=//p')"
    vermagic="$(modinfo -F vermagic "$ko" 2>/dev/null || true)"
    if [ -n "$abi" ] && [ "${vermagic%% *}" != "$abi" ]; then
        echo "SKIP $E2E_NAME: $ko was built for '${vermagic%% *}', the guest runs $abi (build against linux-headers-$abi)"
        exit 77
    fi
    echo "[e2e] server $bin, module $ko" >&2
    E2E_FILES=(--file "$bin:/flashfault" --file "$ko:/muse.ko")
}
