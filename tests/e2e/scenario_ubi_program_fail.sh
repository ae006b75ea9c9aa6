#!/bin/bash
# tests/e2e/scenario_ubi_program_fail.sh -- e2e: a program failure under UBIFS (the block then
# fails every program and erase) makes UBI recover the data, torture the block and mark it
# bad; the bad-PEB count grows by one and the files verify:
# `flashfault run corpora/scenarios/ubi-program-fail.json`.
# Usage: scenario_ubi_program_fail.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites
# missing. Must not: pass when the block was marked bad by anything but UBI.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init scenario_ubi_program_fail "$@"
e2e_scenario ubi-program-fail
e2e_need_verdict pass 0
e2e_need_result .observed.ubi_bad_pebs_first 0
e2e_need_result .observed.ubi_bad_pebs 1
e2e_need_result .observed.ubi_marked_bad 1
e2e_need_result .observed.files_verified 6
grep -q 'ubi0: run torture test for PEB' "$E2E_OUT/vm/dmesg.log" || e2e_scenario_fail "UBI did not torture the block"
e2e_scenario_pass
