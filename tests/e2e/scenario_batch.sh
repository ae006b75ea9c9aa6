#!/bin/bash
# tests/e2e/scenario_batch.sh -- e2e: `flashfault run A B C D` runs the scenarios in one
# guest boot, each judged on its own share of the output: a scenario whose workload fails
# gets FAIL (exit 3 for the run) and the next ones, ubi-factory-bad then the example
# scenarios no other test runs (jffs2-nand, and default: the README's main command), still
# run on a fresh module and server and pass with their own figures and kernel logs.
# Usage: scenario_batch.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass unless both scenarios were judged from the same boot.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init scenario_batch "$@"
command -v jq >/dev/null || { echo "SKIP $E2E_NAME: jq is not installed"; exit 77; }
e2e_muse_files
E2E_BIN="${E2E_FILES[1]%:/flashfault}"
ko="${E2E_FILES[3]%:/muse.ko}"
failing="$E2E_OUT/fails.json"
printf '%s\n' '{"name": "fails", "geometry": "slc-2k-16m",
  "workload": {"shell": "ubiformat -y -q /dev/mtd$FF_MUSE_MTD; exit 4"}}' >"$failing"
rm -rf "$E2E_OUT/fails" "$E2E_OUT/ubi-factory-bad" "$E2E_OUT/jffs2-nand" "$E2E_OUT/default" \
    "$E2E_OUT/batch"
set +e
scenarios="$E2E_REPO/corpora/scenarios"
"$E2E_BIN" run "$failing" "$scenarios/ubi-factory-bad.json" "$scenarios/jffs2-nand.json" \
    "$scenarios/default.json" --out "$E2E_OUT" \
    --muse-ko "$ko" >"$E2E_OUT/run.stdout" 2>"$E2E_OUT/run.stderr"
E2E_RUN_RC=$?
set -e
cat "$E2E_OUT/run.stdout"
[ "$E2E_RUN_RC" = 3 ] || e2e_scenario_fail "the run exited $E2E_RUN_RC, expected 3 (one scenario failed)"
[ "$(grep -c '^\[vm\] booting' "$E2E_OUT/run.stderr")" = 1 ] || e2e_scenario_fail "not exactly one boot"
E2E_RESULTS="$E2E_OUT/fails/results.json"
e2e_need_result .verdict fail
e2e_need_result .observed.workload_exit 4
e2e_need_result .batch.index 0
E2E_RESULTS="$E2E_OUT/ubi-factory-bad/results.json"
e2e_need_result .verdict pass
e2e_need_result .batch.index 1
e2e_need_result .observed.ubi_bad_pebs 10
e2e_need_result .observed.ubi_bad_pebs_first 10
e2e_need_result .observed.faults_fired.listed.fired 2
e2e_need_result .observed.faults_fired.random.fired 8
e2e_need_result '.observed.kernel_log.lines | length' 0
grep -q '^FFRUN ubi bad_peb_count=10 ' "$E2E_OUT/batch/vm/guest.log" ||
    e2e_scenario_fail "no bad_peb_count=10 from the guest"
# The examples judge themselves by their own expect blocks (what their descriptions say).
for name in jffs2-nand default; do
    E2E_RESULTS="$E2E_OUT/$name/results.json"
    e2e_need_result .verdict pass
done
e2e_need_result .batch.index 3
grep -q '^VERDICT: FAIL fails ' "$E2E_OUT/run.stdout" || e2e_scenario_fail "no FAIL verdict for 'fails'"
for name in ubi-factory-bad jffs2-nand default; do
    grep -q "^VERDICT: PASS $name " "$E2E_OUT/run.stdout" ||
        e2e_scenario_fail "no PASS verdict for $name"
done
E2E_OUT="$E2E_OUT/batch"   # where the rig's logs are, for a failure message
e2e_scenario_pass
