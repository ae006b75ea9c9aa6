#!/bin/bash
# tests/e2e/scenario_ubifs_basic.sh -- e2e: `flashfault run corpora/scenarios/ubifs-basic.json`
# passes (UBIFS write/rewrite/remount/verify on a fault-free part, clean kernel log), and a
# broken scenario is refused with exit 2 and the JSON path, before any boot.
# Usage: scenario_ubifs_basic.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass when no file was verified or the kernel log had errors.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init scenario_ubifs_basic "$@"
e2e_scenario ubifs-basic
e2e_need_verdict pass 0
e2e_need_result .observed.files_verified 9
e2e_need_result .observed.ubi_bad_pebs 0
e2e_need_result '.observed.kernel_log.lines | length' 0
e2e_need_result .seed 1
grep -q -- '--seed 1' <<<"$(e2e_result .reproduce)" || e2e_scenario_fail "no seed in the reproduce command"
# A bad scenario: exit 2, the file and the JSON path in the message.
bad="$E2E_OUT/bad-scenario.json"
printf '{"name":"bad","geometry":"slc-2k-128m","workload":"ubifs-write-verify","expect":{"ubi_scrubbed":"about 3"}}\n' >"$bad"
set +e
"$E2E_BIN" run "$bad" --out "$E2E_OUT/bad" 2>"$E2E_OUT/bad.stderr"
rc=$?
set -e
[ "$rc" = 2 ] || e2e_scenario_fail "a bad scenario exited $rc, expected 2"
grep -q "bad-scenario.json: \$.expect.ubi_scrubbed: " "$E2E_OUT/bad.stderr" ||
    e2e_scenario_fail "the error does not name the file and JSON path: $(cat "$E2E_OUT/bad.stderr")"
e2e_scenario_pass
