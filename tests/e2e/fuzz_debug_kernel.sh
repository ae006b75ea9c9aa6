#!/bin/bash
# tests/e2e/fuzz_debug_kernel.sh -- e2e (label long): the debug kernel. Builds it from
# Debian's linux-source when it is not cached (harness/vm/build-debug-kernel.sh: about 40
# minutes on 2 cores), builds muse.ko against it, boots it, and runs a short `flashfault
# fuzz --kernel debug`: the agent must report KCOV on, inputs must run, and KCOV must count
# edges of the flash stack. A finding is allowed (KASAN and the asserts may find real
# bugs); a campaign that errors is not.
# Usage: fuzz_debug_kernel.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init fuzz_debug_kernel "$@"
command -v jq >/dev/null || { echo "SKIP $E2E_NAME: jq is not installed"; exit 77; }
e2e_muse_files
E2E_BIN="${E2E_FILES[1]%:/flashfault}"
fail() { echo "FAIL $E2E_NAME: $*"; exit 1; }

t0=$EPOCHSECONDS
bash "$E2E_REPO/harness/vm/build-debug-kernel.sh" >"$E2E_OUT/kernel.env" 2>"$E2E_OUT/kernel.log" ||
    fail "building the debug kernel failed (see $E2E_OUT/kernel.log)"
echo "debug kernel: $(sed -n 's/^ABI=//p' "$E2E_OUT/kernel.env") ready in $((EPOCHSECONDS - t0))s"
rm -rf "$E2E_OUT/fuzz"
set +e
"$E2E_BIN" fuzz --kernel debug --runs 20 --budget 300s --seed 2 --no-minimize --out "$E2E_OUT/fuzz" \
    >"$E2E_OUT/fuzz.stdout" 2>"$E2E_OUT/fuzz.stderr"
rc=$?
set -e
cat "$E2E_OUT/fuzz.stdout"
[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "fuzz --kernel debug exited $rc (see $E2E_OUT/fuzz.stderr)"
E2E_RESULTS="$E2E_OUT/fuzz/results.json"
[ "$(jq -r .kcov "$E2E_OUT"/fuzz/workers/*/hello.json)" = true ] || fail "the agent reports no KCOV"
[ "$(e2e_result .statistics.executions)" -ge 20 ] || fail "only $(e2e_result .statistics.executions) inputs ran"
edges="$(e2e_result .statistics.kcov_edges)"
[ "$edges" -ge 500 ] || fail "KCOV counted only $edges edges"
echo "PASS $E2E_NAME ($edges KCOV edges of the flash stack in 20 inputs)"
