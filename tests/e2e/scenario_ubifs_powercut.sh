#!/bin/bash
# tests/e2e/scenario_ubifs_powercut.sh -- e2e: a power cut through the server's control
# directory under UBIFS; after power on, reattach and remount, every synced file verifies and
# the kernel neither oopses nor hangs, through `flashfault run corpora/scenarios/ubifs-powercut.json`.
# Usage: scenario_ubifs_powercut.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass unless both the cut and the power on were done.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init scenario_ubifs_powercut "$@"
e2e_scenario ubifs-powercut
e2e_need_verdict pass 0
grep -q 'power cut$' "$E2E_OUT/vm/guest.log" || e2e_scenario_fail "the power was never cut"
grep -q 'power on$' "$E2E_OUT/vm/guest.log" || e2e_scenario_fail "the power never came back"
e2e_scenario_pass
