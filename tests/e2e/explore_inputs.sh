#!/bin/bash
# tests/e2e/explore_inputs.sh -- e2e: what `flashfault explore` takes besides a built-in
# workload. A scenario (its geometry and a workload with an oracle) is explored and passes;
# a shell workload that logs its own ops (corpora/workloads/append-sync.sh) is explored
# with its oracle and passes; the same shell with its syncs taken out while the log still
# claims them is found (exit 3: sync.missing) and its reproducer replays with exit 3.
# Usage: explore_inputs.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# All on the 16 MiB part: what is tested is what explore takes, not the size of the flash.
# Must not: pass on a run that checked no state, or on a shell run without its oracle.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init explore_inputs "$@"
e2e_explore_init

# 1. A scenario: its geometry and workload.
cat >"$E2E_OUT/scenario.json" <<'JSON'
{"name": "explore-rename", "geometry": "slc-2k-16m", "workload": "rename-atomicity"}
JSON
e2e_explore "$E2E_OUT/scenario" "$E2E_OUT/scenario.json" --mode every:12
[ "$rc" = 0 ] || e2e_scenario_fail "the scenario's exploration exited $rc, expected 0"
E2E_RESULTS="$E2E_OUT/scenario/results.json"
e2e_need_result .geometry slc-2k-16m
e2e_need_result .workload explore-rename
e2e_need_result .oracle true
[ "$(e2e_result .states_checked)" -ge 3 ] || e2e_scenario_fail "too few states checked"

# 2. A shell workload that logs its ops: explored with its oracle.
shell="$E2E_REPO/corpora/workloads/append-sync.sh"
e2e_explore "$E2E_OUT/shell" "$shell" --mode every:6 --preset slc-2k-16m
[ "$rc" = 0 ] || e2e_scenario_fail "the shell workload's exploration exited $rc, expected 0"
E2E_RESULTS="$E2E_OUT/shell/results.json"
e2e_need_result .oracle true
[ "$(e2e_result .states_checked)" -ge 3 ] || e2e_scenario_fail "too few states checked"

# 3. The same shell, its syncs gone but still logged: the oracle must catch it.
sed 's/; sync$/; : the log claims a sync that never happened/' "$shell" >"$E2E_OUT/lying.sh"
! grep -q '; sync$' "$E2E_OUT/lying.sh" || e2e_scenario_fail "the planted shell still syncs"
e2e_explore "$E2E_OUT/lying" "$E2E_OUT/lying.sh" --mode every:3 --preset slc-2k-16m
[ "$rc" = 3 ] || e2e_scenario_fail "the lying shell's exploration exited $rc, expected 3"
E2E_RESULTS="$E2E_OUT/lying/results.json"
# The lie shows as a sync violation (other findings may come first: under load the kernel
# writes the unsynced data back at other moments, and the flux rules catch that too).
sync_finding='[.findings[] | select(.failed | startswith("oracle:sync"))][0]'
e2e_need_result "$sync_finding != null" true
repro="$(e2e_result "$sync_finding.reproducer")"
set +e
"$E2E_BIN" run "$repro" --out "$E2E_OUT/replay" --muse-ko "$E2E_KO" >"$E2E_OUT/replay.stdout" 2>"$E2E_OUT/replay.stderr"
rrc=$?
set -e
[ "$rrc" = 3 ] || e2e_scenario_fail "the reproducer exited $rrc, expected 3"
e2e_scenario_pass
