#!/bin/bash
# tests/e2e/scenario_ubifs_bitflips_scrub.sh -- e2e: correctable read bitflips (3 cells in an
# ECC step of strength 4) make the MTD report -EUCLEAN and UBI scrub blocks, with UBIFS data
# intact: `flashfault run corpora/scenarios/ubifs-bitflips-scrub.json`.
# Usage: scenario_ubifs_bitflips_scrub.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites
# missing. Must not: pass without UBI's own "scrubbed PEB" messages in the kernel log.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init scenario_ubifs_bitflips_scrub "$@"
e2e_scenario ubifs-bitflips-scrub
e2e_need_verdict pass 0
[ "$(e2e_result .observed.ubi_scrubbed)" -ge 1 ] || e2e_scenario_fail "UBI scrubbed nothing"
grep -q 'ubi0: scrubbed PEB' "$E2E_OUT/vm/dmesg.log" || e2e_scenario_fail "no 'scrubbed PEB' in dmesg.log"
e2e_need_result .observed.files_verified 5
e2e_scenario_pass
