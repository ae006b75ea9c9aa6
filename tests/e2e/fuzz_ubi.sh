#!/bin/bash
# tests/e2e/fuzz_ubi.sh -- e2e: `flashfault fuzz --fs ubi` (a bare UBI volume, LEB ops through
# /dev/ubi0_0, every LEB judged by UBI's promises) on Debian's stock kernel, both sides.
#   1. Clean: a short campaign passes (exit 0, no finding), its inputs ran the volume
#      workload, and the oracle judged them after the reattach.
#   2. Found: UBI's atomic LEB change of an unmapped LEB does not survive a power cut that
#      tears its first data page (corpora/reproducers/55ec5402b328). With the input that
#      showed it in the corpus (tests/e2e/fuzz-ubi-found/) and no known findings, the
#      campaign must report it (exit 3) by the oracle's verdict, minimise it to at most 3
#      faults, and write a reproducer that `flashfault run` replays with exit 3.
# Usage: fuzz_ubi.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass on a campaign that judged no input, or on a finding without its replay.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init fuzz_ubi "$@"
e2e_fuzz_init

# 1. Clean.
e2e_campaign fuzz "$E2E_OUT/clean" --fs ubi --runs 10 --seed 3 --budget 120s
[ "$rc" = 0 ] || fuzz_fail "the clean campaign exited $rc, expected 0 (see $E2E_OUT/clean.stderr)"
E2E_RESULTS="$E2E_OUT/clean/results.json"
e2e_need_result '.findings | length' 0
execs="$E2E_OUT"/clean/workers/*/execs.jsonl
[ "$(e2e_result .statistics.executions)" -ge 10 ] || fuzz_fail "the clean campaign ran $(e2e_result .statistics.executions) inputs"
judged="$(jq -s '[.[] | select(.workload_ran and .ms.recover_judge != null)] | length' $execs)"
[ "$judged" -ge 5 ] || fuzz_fail "only $judged inputs ran the volume workload and were judged"
echo "clean: $(e2e_result .statistics.executions) executions, $judged judged, $(e2e_result .statistics.per_minute | cut -c1-5)/min"

# 2. The power cut UBI does not survive is found, minimised and replayed.
rm -rf "$E2E_OUT/found-corpus" "$E2E_OUT/no-known" && cp -r "$E2E_REPO/tests/e2e/fuzz-ubi-found" "$E2E_OUT/found-corpus"
mkdir -p "$E2E_OUT/no-known"
e2e_campaign fuzz "$E2E_OUT/found" --fs ubi --seed 1 --budget 120s --stop-on-finding \
    --corpus "$E2E_OUT/found-corpus" --known "$E2E_OUT/no-known"
[ "$rc" = 3 ] || fuzz_fail "the campaign exited $rc, expected 3 (see $E2E_OUT/found.stderr)"
E2E_RESULTS="$E2E_OUT/found/results.json"
case "$(e2e_result '.findings[0].failed')" in
    oracle:ubi-read|oracle:ubi-leb) ;;
    *) fuzz_fail "the first finding is not the oracle's but '$(e2e_result '.findings[0].signature')'" ;;
esac
[ "$(e2e_result '.findings[0].case.workload.target')" = ubi-volume ] || fuzz_fail "the case has no UBI volume workload"
[ "$(e2e_result '.findings[0].minimize.reproduced')" = true ] || fuzz_fail "the minimised case did not fail again"
faults="$(e2e_result '.findings[0].case.script.faults | length')"
[ "$faults" -le 3 ] || fuzz_fail "the minimised case still has $faults faults"
replay="$(e2e_result '.findings[0].reproducer')"
[ -f "$replay" ] || fuzz_fail "no reproducer scenario at '$replay'"
echo "found: $(e2e_result '.findings[0].signature'), minimised to $faults fault(s) and" \
     "$(e2e_result '.findings[0].case.workload.ops | length') op(s)"
fuzz_replay "$replay" "oracle:ubi-"
echo "PASS $E2E_NAME"
