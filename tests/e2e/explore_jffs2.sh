#!/bin/bash
# tests/e2e/explore_jffs2.sh -- e2e: `flashfault explore --fs jffs2`: a short exploration of
# a JFFS2 workload (on 16 MiB of NAND through muse.ko, every 5th cell-changing op) checks states,
# each mounted, checked by the oracle with JFFS2's profile and space-checked, and passes.
# Usage: explore_jffs2.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass on a run that checked no state.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init explore_jffs2 "$@"
e2e_explore_init
rm -rf "$E2E_OUT/run"
set +e
"$E2E_BIN" explore basic-durability --fs jffs2 --preset slc-2k-16m --mode every:5 --out "$E2E_OUT/run" --muse-ko "$E2E_KO" \
    >"$E2E_OUT/run.stdout" 2>"$E2E_OUT/run.stderr"
rc=$?
set -e
cat "$E2E_OUT/run.stdout"
E2E_RESULTS="$E2E_OUT/run/results.json"
[ -f "$E2E_RESULTS" ] || e2e_scenario_fail "no results.json (exit $rc)"
[ "$rc" = 0 ] || e2e_scenario_fail "exploration exited $rc, expected 0: $(jq -c '.findings' "$E2E_RESULTS")"
e2e_need_result .fs jffs2
checked="$(e2e_result .states_checked)"
[ "$checked" -ge 3 ] || e2e_scenario_fail "only $checked states checked"
e2e_scenario_pass
