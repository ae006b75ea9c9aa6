#!/bin/bash
# tests/e2e/scenario_ubifs_uncorrectable.sh -- e2e: uncorrectable reads (-EBADMSG) of one
# PEB's header are reported by UBI as ECC errors and handled: the attach carries on, UBIFS
# works and every file verifies, through `flashfault run corpora/scenarios/ubifs-uncorrectable.json`.
# Usage: scenario_ubifs_uncorrectable.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass unless the fault fired and the kernel reported the ECC error.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init scenario_ubifs_uncorrectable "$@"
e2e_scenario ubifs-uncorrectable
e2e_need_verdict pass 0
e2e_need_result .observed.faults_fired.uncorrectable.fired 4
grep -q 'error -74 (ECC error)' "$E2E_OUT/vm/dmesg.log" || e2e_scenario_fail "UBI never reported the ECC error"
e2e_scenario_pass
