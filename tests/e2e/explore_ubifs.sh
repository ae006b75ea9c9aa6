#!/bin/bash
# tests/e2e/explore_ubifs.sh -- e2e: `flashfault explore` on UBIFS (Debian's kernel), both
# sides. A clean workload checked at every 6th cell-changing op plus torn writes passes
# (exit 0, states checked, each with its own kernel log, no finding, and the same results
# for the boundary states on nandsim holding the same cells); the planted workload,
# whose oracle is told an unsynced file is durable, is found (exit 3) with a reproducer
# scenario that `flashfault run` replays with exit 3; `flashfault report` over all three
# names that finding.
# Usage: explore_ubifs.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass on a run that checked no state, or on a finding without its replay.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init explore_ubifs "$@"
e2e_explore_init

# 1. The clean side.
e2e_explore "$E2E_OUT/clean" rename-atomicity --mode every:6 --inside torn --seed 5 --vs-nandsim
[ "$rc" = 0 ] || e2e_scenario_fail "clean exploration exited $rc, expected 0 (see $E2E_OUT/clean.stderr)"
E2E_RESULTS="$E2E_OUT/clean/results.json"
e2e_need_result .verdict pass
e2e_need_result '.findings | length' 0
checked="$(e2e_result .states_checked)"
[ "$checked" -ge 4 ] || e2e_scenario_fail "only $checked states checked"
[ "$(jq -s '[.[] | select(.variant == "torn")] | length' "$E2E_OUT/clean/states.jsonl")" -ge 1 ] ||
    e2e_scenario_fail "no torn state was checked"
[ "$(jq -s '[.[] | select((.kernel_log | map(select(test("attached mtd"))) | length) == 1)] | length' \
    "$E2E_OUT/clean/states.jsonl")" = "$checked" ] ||
    e2e_scenario_fail "not every state has its own kernel log with exactly one attach"
# The bench's reference pass: the boundary states again on nandsim holding the same cells;
# both devices must agree on every state (a state passing over MUSE and failing on nandsim,
# or the reverse, would mean the instrument changed what it serves).
[ "$(e2e_result .vs_nandsim.states)" -ge 2 ] || e2e_scenario_fail "the nandsim reference checked no states"
e2e_need_result '.vs_nandsim.results_differ | length' 0
echo "clean: $checked states, $(e2e_result .states_per_minute) states/min;" \
     "whole/nandsim checks $(e2e_result .vs_nandsim.whole_vs_nandsim_checks)x"

# 2. The planted failure is found, grouped, and replays.
e2e_explore "$E2E_OUT/planted" planted-unsynced --mode every:4
[ "$rc" = 3 ] || e2e_scenario_fail "planted exploration exited $rc, expected 3"
E2E_RESULTS="$E2E_OUT/planted/results.json"
e2e_need_result .verdict found
e2e_need_result '.findings | length' 1
e2e_need_result '.findings[0].failed | startswith("oracle:")' true
repro="$(e2e_result '.findings[0].reproducer')"
[ -f "$repro" ] || e2e_scenario_fail "no reproducer scenario at $repro"
set +e
"$E2E_BIN" run "$repro" --out "$E2E_OUT/replay" --muse-ko "$E2E_KO" >"$E2E_OUT/replay.stdout" 2>"$E2E_OUT/replay.stderr"
rrc=$?
set -e
cat "$E2E_OUT/replay.stdout"
[ "$rrc" = 3 ] || e2e_scenario_fail "the reproducer exited $rrc, expected 3 (see $E2E_OUT/replay.stderr)"
grep -q 'the oracle refused it' "$E2E_OUT/replay/vm/guest.log" ||
    e2e_scenario_fail "the reproducer failed for another reason than the oracle"
# 3. What `flashfault report` reads came back: the recording's device summary, when each
# state was done; the report over both explorations and the replay finds the one finding.
e2e_need_result .device_summary recording/device.json
[ "$(jq '.ops' "$E2E_OUT/planted/recording/device.json")" -gt 0 ] || e2e_scenario_fail "an empty device summary"
[ "$(jq -s '[.[] | select(.at_s > 0)] | length' "$E2E_OUT/planted/states.jsonl")" = \
  "$(e2e_result .states_checked)" ] || e2e_scenario_fail "states without at_s"
set +e
"$E2E_BIN" report "$E2E_OUT/clean" "$E2E_OUT/planted" "$E2E_OUT/replay" --out "$E2E_OUT/report" \
    >"$E2E_OUT/report.stdout" 2>&1
rrc=$?
set -e
[ "$rrc" = 3 ] || e2e_scenario_fail "flashfault report exited $rrc, expected 3 (see $E2E_OUT/report.stdout)"
grep -q "^FINDING $(e2e_result '.findings[0].signature' | sed 's/[][\.*^$]/\\&/g') " "$E2E_OUT/report.stdout" ||
    e2e_scenario_fail "the report does not name the finding"
e2e_scenario_pass
