#!/bin/bash
# tests/e2e/fuzz_stock.sh -- e2e: `flashfault fuzz` on Debian's stock kernel, both sides.
#   1. Clean, twice with the same seed and an empty corpus: both pass (exit 0, no finding),
#      inputs ran on fresh devices, and the first executions are the same inputs.
#   2. Planted: stuck bits, which no file system can survive, are declared survivable for
#      this run (--survivable stuck_bit), so a recovery they break counts as a finding. The
#      campaign must find one within its budget (exit 3), minimise it to at most 3 faults,
#      and write a reproducer that `flashfault run` replays with exit 3. Real kernel bugs
#      already recorded in corpora/reproducers/ are known: reported, never the stop.
# Usage: fuzz_stock.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass on a campaign that ran no input, or on a finding without its replay.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init fuzz_stock "$@"
e2e_fuzz_init
inputs() { jq -r ".input" "$1"/workers/*/execs.jsonl | head -n "$2"; }

# 1. Clean, twice: same seed, same first inputs.
for side in a b; do
    e2e_campaign fuzz "$E2E_OUT/clean-$side" --runs 8 --seed 3 --budget 120s
    [ "$rc" = 0 ] || fuzz_fail "clean run $side exited $rc, expected 0 (see $E2E_OUT/clean-$side.stderr)"
    E2E_RESULTS="$E2E_OUT/clean-$side/results.json"
    [ "$(e2e_result .statistics.executions)" -ge 8 ] || fuzz_fail "clean run $side ran $(e2e_result .statistics.executions) inputs"
    e2e_need_result '.findings | length' 0
    [ "$(jq -s '[.[] | select(.ms.present != null)] | length' "$E2E_OUT"/clean-$side/workers/*/execs.jsonl)" -ge 8 ] ||
        fuzz_fail "clean run $side: not every input started on a fresh device"
done
first_a="$(inputs "$E2E_OUT/clean-a" 4)"
[ "$(printf '%s\n' "$first_a" | grep -c .)" = 4 ] || fuzz_fail "clean run a logged no input hashes"
[ "$first_a" = "$(inputs "$E2E_OUT/clean-b" 4)" ] || fuzz_fail "the same seed and corpus ran different first inputs: $(inputs "$E2E_OUT/clean-a" 4 | tr '\n' ' ') vs $(inputs "$E2E_OUT/clean-b" 4 | tr '\n' ' ')"
echo "clean: 2 x $(e2e_result .statistics.executions) executions, $(e2e_result .statistics.per_minute | cut -c1-5)/min, first 4 inputs equal"

# 2. The planted failure is found, minimised and replayed.
# The corpus starts with inputs an earlier campaign kept for this failure (tests/e2e/
# fuzz-planted/: stuck bits aimed at UBIFS's LPT), so the test does not wait on luck; the
# rest of the search, the triage, the minimising and the replay are the campaign's own.
rm -rf "$E2E_OUT/planted-corpus" && cp -r "$E2E_REPO/tests/e2e/fuzz-planted" "$E2E_OUT/planted-corpus"
e2e_campaign fuzz "$E2E_OUT/planted" --seed 1 --budget 150s --survivable stuck_bit --stop-on-finding \
    --corpus "$E2E_OUT/planted-corpus"
[ "$rc" = 3 ] || fuzz_fail "planted campaign exited $rc, expected 3 (see $E2E_OUT/planted.stderr)"
E2E_RESULTS="$E2E_OUT/planted/results.json"
new='[.findings[] | select(.known == false)]'
[ "$(e2e_result "$new | length")" -ge 1 ] || fuzz_fail "no new finding in results.json"
failed="$(e2e_result "$new[0].failed")"
case "$failed" in
    attach|mount|oracle:walk|umount|detach) ;;
    *) fuzz_fail "the first new finding is not the planted recovery failure but '$(e2e_result "$new[0].signature")' (a new kernel finding? see $E2E_RESULTS)" ;;
esac
faults="$(e2e_result "$new[0].case.script.faults | length")"
[ "$(e2e_result "$new[0].minimize.reproduced")" = true ] || fuzz_fail "the minimised case did not fail again"
[ "$faults" -le 3 ] || fuzz_fail "the minimised case still has $faults faults"
replay="$(e2e_result "$new[0].reproducer")"
[ -f "$replay" ] || fuzz_fail "no reproducer scenario at '$replay'"
echo "planted: found after $(e2e_result "$new[0].first_seen_s" | cut -c1-5)s: $(e2e_result "$new[0].signature")"
echo "         minimised to $faults fault(s) and $(e2e_result "$new[0].case.workload.ops | length") op(s);" \
     "known findings met: $(e2e_result '[.findings[] | select(.known)] | length')"
fuzz_replay "$replay" ""
echo "PASS $E2E_NAME"
