#!/bin/bash
# tests/e2e/nightly.sh -- e2e: `flashfault nightly` on a scratch copy of the corpus with a
# planted regression (ubifs-basic expecting a file it never writes) and a kept reproducer
# folder, on a budget of a few minutes: the regression boot runs, the exploration gets its
# share of the rest and checks its states, the kernel fault fuzzing gets what is left and
# runs its inputs (capped by --fuzz-runs), the run exits 3, and the regression is in
# nightly.json, in junit.xml as a failure and in report.html, beside the fuzzing.
# Usage: nightly.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass when the regression went unseen, or when the exploration or the fuzzing
# never ran.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init nightly "$@"
e2e_explore_init
corpus="$E2E_OUT/corpus"
rm -rf "$corpus" "$E2E_OUT/n"
mkdir -p "$corpus/scenarios" "$corpus/reproducers/0123456789abcdef"
jq '.expect.files_verified = 10' "$E2E_REPO/corpora/scenarios/ubifs-basic.json" \
    >"$corpus/scenarios/ubifs-basic.json"
set +e
# The budget is an upper bound: the exploration's mode (3 states) and --fuzz-runs end the
# stages sooner; it only has to leave each stage its minimum (nightly_plan.h).
"$E2E_BIN" nightly --budget 400s --corpus "$corpus" --workload basic-durability \
    --mode sample:3 --fuzz-runs 4 --seed 7 --muse-ko "$E2E_KO" --out "$E2E_OUT/n" \
    >"$E2E_OUT/n.stdout" 2>"$E2E_OUT/n.stderr"
rc=$?
set -e
cat "$E2E_OUT/n.stdout"
E2E_OUT="$E2E_OUT/n"
[ "$rc" = 3 ] || e2e_scenario_fail "nightly exited $rc, expected 3 (the planted regression)"
E2E_RESULTS="$E2E_OUT/nightly.json"
e2e_need_result '.regression | length' 1
e2e_need_result '.regression[0].status' regression
e2e_need_result '.regression[0].verdict' fail
e2e_need_result .exploration.status ran
e2e_need_result '.exploration.new_findings | length' 0
e2e_need_result .fuzzing.status ran
e2e_need_result '.fuzzing.new_findings | length' 0
e2e_need_result .seed 7
E2E_RESULTS="$E2E_OUT/explore/results.json"
[ "$(e2e_result .states_checked)" -ge 1 ] || e2e_scenario_fail "the exploration checked no state"
E2E_RESULTS="$E2E_OUT/fuzz/results.json"
[ "$(e2e_result .statistics.executions)" -ge 1 ] || e2e_scenario_fail "the fuzzing ran no input"
e2e_need_result .seed 7
grep -q '^VERDICT: FOUND ' "$E2E_OUT/../n.stdout" || e2e_scenario_fail "no FOUND verdict line"
xmllint --noout "$E2E_OUT/junit.xml" || e2e_scenario_fail "junit.xml is not well-formed XML"
grep -q '<testcase[^>]*name="ubifs-basic"' "$E2E_OUT/junit.xml" ||
    e2e_scenario_fail "junit.xml has no testcase for ubifs-basic"
grep -A3 '<testcase[^>]*name="ubifs-basic"' "$E2E_OUT/junit.xml" | grep -q '<failure' ||
    e2e_scenario_fail "junit.xml does not fail ubifs-basic"
grep -q 'files_verified' "$E2E_OUT/report.html" ||
    e2e_scenario_fail "report.html does not show the failed check"
grep -q '<testsuite name="flashfault fuzz"' "$E2E_OUT/junit.xml" ||
    e2e_scenario_fail "junit.xml has no fuzzing suite"
grep -q 'aria-label="coverage over the fuzzing time"' "$E2E_OUT/report.html" ||
    e2e_scenario_fail "report.html does not show the fuzzing"
e2e_scenario_pass
