#!/bin/bash
# tests/e2e/scenario_ubi_program_fail.sh -- e2e: a program failure under UBIFS (the block then
# fails every program and erase) makes UBI recover the data, torture the block and mark it
# bad; the bad-PEB count grows by one and the files verify; the device summary shows that
# block grown bad and `flashfault report` draws it:
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
# The server's device summary came back from the guest and agrees: one block grown bad (no
# factory ones), the one the grown_bad fault struck; `flashfault report` draws it.
e2e_need_result .device_summary device.json
dev="$E2E_OUT/device.json"
[ "$(jq '.bad_blocks.at_start | length' "$dev")" = 0 ] || e2e_scenario_fail "bad blocks at start in $dev"
[ "$(jq '.bad_blocks.grown | length' "$dev")" = 1 ] || e2e_scenario_fail "not one grown bad block in $dev"
jq -e '.bad_blocks.grown[0] as $b | any(.faults_per_block[]; .[0] == $b)' "$dev" >/dev/null ||
    e2e_scenario_fail "the grown bad block took no fault in $dev"
[ "$(jq '[.erase_counts[]] | add' "$dev")" -gt 0 ] || e2e_scenario_fail "no erase counted in $dev"
"$E2E_BIN" report "$E2E_OUT" --out "$E2E_OUT/report" >"$E2E_OUT/report.stdout" ||
    e2e_scenario_fail "flashfault report exited $? (see $E2E_OUT/report.stdout)"
grep -q "block $(jq '.bad_blocks.grown[0]' "$dev"): [0-9]* erases\{0,1\}, grown bad during the run" \
    "$E2E_OUT/report/report.html" || e2e_scenario_fail "report.html does not show the grown bad block"
e2e_scenario_pass
