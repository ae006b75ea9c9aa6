#!/bin/bash
# tests/e2e/scenario_corpus.sh -- e2e: the example scenarios of corpora/scenarios/ that
# show one fault each, in one guest boot (`flashfault run A.json B.json ...`), each judged
# by its own expect block and then by the numbers its description promises:
#   ubifs-basic            no faults: 9 files verified, no bad PEB, a clean kernel log, the
#                          seed in the reproduce command (and a bad scenario is exit 2)
#   ubifs-bitflips-scrub   correctable bitflips: UBI scrubs, 5 files verify
#   ubi-program-fail       a failing program: UBI tortures and marks 1 block bad, 6 files
#                          verify; the device summary and report.html show the grown block
#   ubifs-uncorrectable    uncorrectable reads: 4 firings, UBI reports the ECC error
#   ubifs-powercut         the power cut and restored through the control directory
# (ubi-factory-bad, jffs2-nand and default run in e2e_scenario_batch.)
# FLASHFAULT_CORPUS_SCENARIOS="A B ..." runs and judges only those of the five (the 6.12
# run in CI keeps the three whose kernel messages and recovery differ between kernels).
# Usage: scenario_corpus.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass on a scenario that was not run, or judge what `flashfault run` judges.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init scenario_corpus "$@"
command -v jq >/dev/null || { echo "SKIP $E2E_NAME: jq is not installed"; exit 77; }
e2e_muse_files
E2E_BIN="${E2E_FILES[1]%:/flashfault}"
ko="${E2E_FILES[3]%:/muse.ko}"
scenarios="$E2E_REPO/corpora/scenarios"
corpus=("$scenarios/ubifs-basic.json" "$scenarios/ubifs-bitflips-scrub.json"
        "$scenarios/ubi-program-fail.json" "$scenarios/ubifs-uncorrectable.json"
        "$scenarios/ubifs-powercut.json")
all="$(for f in "${corpus[@]}"; do basename "$f" .json; done | tr '\n' ' ')"
names="${FLASHFAULT_CORPUS_SCENARIOS:-$all}"
files=()
for n in $names; do
    [[ " $all " == *" $n "* ]] || { echo "FAIL $E2E_NAME: FLASHFAULT_CORPUS_SCENARIOS names $n, not one of: $all"; exit 1; }
    rm -rf "${E2E_OUT:?}/$n"
    files+=("$scenarios/$n.json")
done
chosen() { [[ " $names " == *" $1 "* ]]; }
set +e
"$E2E_BIN" run "${files[@]}" --out "$E2E_OUT" --muse-ko "$ko" \
    >"$E2E_OUT/run.stdout" 2>"$E2E_OUT/run.stderr"
E2E_RUN_RC=$?
set -e
cat "$E2E_OUT/run.stdout"
[ "$E2E_RUN_RC" = 0 ] || e2e_scenario_fail "the run exited $E2E_RUN_RC, expected 0"
[ "$(grep -c '^\[vm\] booting' "$E2E_OUT/run.stderr")" = 1 ] || e2e_scenario_fail "not exactly one boot"
for n in $names; do
    E2E_RESULTS="$E2E_OUT/$n/results.json"
    e2e_need_result .verdict pass
    [ "$(e2e_result '[.checks[] | select(.pass == false)] | length')" = 0 ] ||
        e2e_scenario_fail "$n: verdict pass with failed checks"
    grep -q "^VERDICT: PASS $n " "$E2E_OUT/run.stdout" || e2e_scenario_fail "no PASS verdict for $n"
done

# ubifs-basic
if chosen ubifs-basic; then
    E2E_RESULTS="$E2E_OUT/ubifs-basic/results.json"
    e2e_need_result .observed.files_verified 9
    e2e_need_result .observed.ubi_bad_pebs 0
    e2e_need_result '.observed.kernel_log.lines | length' 0
    e2e_need_result .seed 1
    grep -q -- '--seed 1' <<<"$(e2e_result .reproduce)" || e2e_scenario_fail "no seed in the reproduce command"
    bad="$E2E_OUT/bad-scenario.json"
    printf '{"name":"bad","geometry":"slc-2k-128m","workload":"ubifs-write-verify","expect":{"ubi_scrubbed":"about 3"}}\n' >"$bad"
    set +e
    "$E2E_BIN" run "$bad" --out "$E2E_OUT/bad" 2>"$E2E_OUT/bad.stderr"
    rc=$?
    set -e
    [ "$rc" = 2 ] || e2e_scenario_fail "a bad scenario exited $rc, expected 2"
    grep -q "bad-scenario.json: \$.expect.ubi_scrubbed: " "$E2E_OUT/bad.stderr" ||
        e2e_scenario_fail "the error does not name the file and JSON path: $(cat "$E2E_OUT/bad.stderr")"
fi

# ubifs-bitflips-scrub
if chosen ubifs-bitflips-scrub; then
    E2E_RESULTS="$E2E_OUT/ubifs-bitflips-scrub/results.json"
    [ "$(e2e_result .observed.ubi_scrubbed)" -ge 1 ] || e2e_scenario_fail "UBI scrubbed nothing"
    grep -q 'ubi0: scrubbed PEB' "$E2E_OUT/ubifs-bitflips-scrub/dmesg.log" ||
        e2e_scenario_fail "no 'scrubbed PEB' in the bitflips scenario's kernel log"
    e2e_need_result .observed.files_verified 5
fi

# ubi-program-fail
if chosen ubi-program-fail; then
    E2E_RESULTS="$E2E_OUT/ubi-program-fail/results.json"
    e2e_need_result .observed.ubi_bad_pebs_first 0
    e2e_need_result .observed.ubi_bad_pebs 1
    e2e_need_result .observed.ubi_marked_bad 1
    e2e_need_result .observed.files_verified 6
    grep -q 'ubi0: run torture test for PEB' "$E2E_OUT/ubi-program-fail/dmesg.log" ||
        e2e_scenario_fail "UBI did not torture the block"
    dev="$E2E_OUT/ubi-program-fail/device.json"
    [ -f "$dev" ] || e2e_scenario_fail "no device summary $dev"
    [ "$(jq '.bad_blocks.at_start | length' "$dev")" = 0 ] || e2e_scenario_fail "bad blocks at start in $dev"
    [ "$(jq '.bad_blocks.grown | length' "$dev")" = 1 ] || e2e_scenario_fail "not one grown bad block in $dev"
    jq -e '.bad_blocks.grown[0] as $b | any(.faults_per_block[]; .[0] == $b)' "$dev" >/dev/null ||
        e2e_scenario_fail "the grown bad block took no fault in $dev"
    [ "$(jq '[.erase_counts[]] | add' "$dev")" -gt 0 ] || e2e_scenario_fail "no erase counted in $dev"
    "$E2E_BIN" report "$E2E_OUT/ubi-program-fail" --out "$E2E_OUT/report" >"$E2E_OUT/report.stdout" ||
        e2e_scenario_fail "flashfault report exited $? (see $E2E_OUT/report.stdout)"
    grep -q "block $(jq '.bad_blocks.grown[0]' "$dev"): [0-9]* erases\{0,1\}, grown bad during the run" \
        "$E2E_OUT/report/report.html" || e2e_scenario_fail "report.html does not show the grown bad block"
fi

# ubifs-uncorrectable
if chosen ubifs-uncorrectable; then
    E2E_RESULTS="$E2E_OUT/ubifs-uncorrectable/results.json"
    e2e_need_result .observed.faults_fired.uncorrectable.fired 4
    grep -q 'error -74 (ECC error)' "$E2E_OUT/ubifs-uncorrectable/dmesg.log" ||
        e2e_scenario_fail "UBI never reported the ECC error"
fi

# ubifs-powercut (its expect block also asks for the guest's "power cut" and "power on")
if chosen ubifs-powercut; then
    E2E_RESULTS="$E2E_OUT/ubifs-powercut/results.json"
    grep -q 'power cut$' "$E2E_OUT/batch/vm/guest.log" || e2e_scenario_fail "the power was never cut"
    grep -q 'power on$' "$E2E_OUT/batch/vm/guest.log" || e2e_scenario_fail "the power never came back"
fi

set -- $names
E2E_RESULTS="$E2E_OUT/$1/results.json"
echo "PASS $E2E_NAME ($# scenarios in one boot, wall $(e2e_result .wall_seconds | cut -c1-5)s)"
