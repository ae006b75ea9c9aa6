#!/bin/bash
# tests/e2e/scenario_ubi_factory_bad.sh -- e2e: the factory bad blocks of
# corpora/scripts/factory_bad.json (2 listed + 8 drawn from the seed) are reported by UBI as
# exactly 10 bad PEBs, through `flashfault run corpora/scenarios/ubi-factory-bad.json`.
# Usage: scenario_ubi_factory_bad.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass when the count came from anywhere but UBI's sysfs bad_peb_count.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init scenario_ubi_factory_bad "$@"
e2e_scenario ubi-factory-bad
e2e_need_verdict pass 0
e2e_need_result .observed.ubi_bad_pebs 10
e2e_need_result .observed.ubi_bad_pebs_first 10
e2e_need_result .observed.faults_fired.listed.fired 2
e2e_need_result .observed.faults_fired.random.fired 8
grep -q '^FFRUN ubi bad_peb_count=10 ' "$E2E_OUT/vm/guest.log" || e2e_scenario_fail "no bad_peb_count=10 from the guest"
e2e_scenario_pass
