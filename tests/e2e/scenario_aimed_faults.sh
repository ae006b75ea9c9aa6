#!/bin/bash
# tests/e2e/scenario_aimed_faults.sh -- e2e (issue 17): faults aimed by meaning, run in the
# real kernel, fire exactly on the structure they name and nowhere else, checked from the
# decoded event log: corpora/scenarios/ubifs-aimed-faults.json (latency on every UBIFS
# master-node program, correctable flips in UBI VID headers) passes, and its story shows
# the struck ops with what they touched.
# Usage: scenario_aimed_faults.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass when no fault fired, or on a story without meanings.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init scenario_aimed_faults "$@"
e2e_scenario ubifs-aimed-faults
e2e_need_verdict pass 0
grep -q '^aimed: master-delay struck [1-9][0-9]* of ' "$E2E_OUT/vm/guest.log" ||
    e2e_scenario_fail "no master-node program was struck"
grep -Eq "^story: .*master nodes? \(master area\).*fault 'master-delay' \(latency\) delay" \
    "$E2E_OUT/vm/guest.log" || e2e_scenario_fail "the story does not show a struck master-node program"
grep -q "^story: .*VID vol=.*fault 'vid-noise' (read_bitflip) flips 1 bit" "$E2E_OUT/vm/guest.log" ||
    e2e_scenario_fail "the story does not show a struck VID-header read"
e2e_scenario_pass
