#!/bin/bash
# tests/e2e/kernel_choice.sh -- e2e: `--kernel` picks the guest kernel for run and explore.
# KERNEL is $FLASHFAULT_KERNEL (set by on_kernel.sh) or "default". With the environment's
# module and kernel cleared, so the flag alone decides:
#   run ubifs-basic --kernel KERNEL       passes; muse.ko was built for that ABI into the
#                                         cache; the guest booted that kernel (its "Linux
#                                         version" line); results.json names the ABI; the
#                                         reproduce command carries --kernel ABI
#   explore basic-durability --kernel KERNEL --mode sample:6   passes on that kernel
#   run --kernel 6.x                      exit 2, the reason printed, nothing written
#   (--kernel debug is a kernel now, the KASAN + KCOV build: e2e_fuzz_debug_kernel)
# Usage: kernel_choice.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass on a guest that booted another kernel than the one asked for.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init kernel_choice "$@"
command -v jq >/dev/null || { echo "SKIP $E2E_NAME: jq is not installed"; exit 77; }
e2e_muse_files
E2E_BIN="${E2E_FILES[1]%:/flashfault}"
kernel="${FLASHFAULT_KERNEL:-default}"
unset FLASHFAULT_KERNEL FLASHFAULT_MUSE_KO
abi="$("$E2E_VM/fetch-kernel.sh" --kernel "$kernel" --resolve | sed -n 's/^ABI=//p')"
[ -n "$abi" ] || e2e_fail "fetch-kernel.sh resolves no ABI for '$kernel'"
echo "[e2e] --kernel $kernel is $abi" >&2

E2E_RESULTS="$E2E_OUT/run/results.json"
rm -rf "$E2E_OUT/run"
set +e
"$E2E_BIN" run "$E2E_REPO/corpora/scenarios/ubifs-basic.json" --kernel "$kernel" \
    --out "$E2E_OUT/run" >"$E2E_OUT/run.stdout" 2>"$E2E_OUT/run.stderr"
E2E_RUN_RC=$?
set -e
cat "$E2E_OUT/run.stdout"
[ -f "$E2E_RESULTS" ] || e2e_scenario_fail "no results.json (exit $E2E_RUN_RC)"
e2e_need_verdict pass 0
e2e_need_result .rig.kernel "$abi"
grep -q -- "--kernel $abi\$" <<<"$(e2e_result .reproduce)" ||
    e2e_scenario_fail "the reproduce command lacks --kernel $abi: $(e2e_result .reproduce)"
grep -q "^\[ *[0-9.]*\] Linux version $abi " "$E2E_OUT/run/vm/dmesg.log" ||
    e2e_scenario_fail "the guest did not boot $abi: $(grep -m1 'Linux version' "$E2E_OUT/run/vm/dmesg.log")"
grep -q "module .*kmod/$abi/muse.ko, kernel $abi" "$E2E_OUT/run.stderr" ||
    e2e_scenario_fail "muse.ko did not come from the per-kernel cache: $(grep -m1 'module' "$E2E_OUT/run.stderr")"

out="$E2E_OUT/explore"
rm -rf "$out"
set +e
"$E2E_BIN" explore basic-durability --kernel "$kernel" --mode sample:6 --out "$out" \
    >"$out.stdout" 2>"$out.stderr"
rc=$?
set -e
cat "$out.stdout"
[ "$rc" = 0 ] || e2e_scenario_fail "explore on $abi exited $rc: $(tail -n 3 "$out.stderr")"
[ "$(jq -r .rig.kernel "$out/results.json")" = "$abi" ] ||
    e2e_scenario_fail "explore's results.json names kernel '$(jq -r .rig.kernel "$out/results.json")'"
[ "$(jq -r '.states_checked' "$out/results.json")" -ge 6 ] ||
    e2e_scenario_fail "explore checked $(jq -r .states_checked "$out/results.json") states, expected 6"

for bad in 6.x; do
    rm -rf "$E2E_OUT/bad"
    set +e
    "$E2E_BIN" run "$E2E_REPO/corpora/scenarios/ubifs-basic.json" --kernel "$bad" \
        --out "$E2E_OUT/bad" >/dev/null 2>"$E2E_OUT/bad.stderr"
    rc=$?
    set -e
    [ "$rc" = 2 ] || e2e_scenario_fail "--kernel $bad exited $rc, expected 2"
    grep -q -- "--kernel.*$bad" "$E2E_OUT/bad.stderr" || e2e_scenario_fail "--kernel $bad: no reason given"
    [ ! -e "$E2E_OUT/bad" ] || e2e_scenario_fail "--kernel $bad wrote $E2E_OUT/bad"
done
E2E_OUT="$E2E_OUT/run"
e2e_scenario_pass
