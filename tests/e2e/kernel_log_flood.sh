#!/bin/bash
# tests/e2e/kernel_log_flood.sh -- e2e: the kernel log survives a flood and slices by record.
# `flashfault run FLOOD AFTER` in one boot, both with kernel_args ["ubi.fm_autoconvert=1"]:
#   FLOOD  programs fail (probability 0.95, pages 16-63 of blocks 64-1023: headers, the
#          layout volume and fastmap still write) while ubiupdatevol writes a LEB through UBI, four
#          rounds of attach/update/detach; each failed write makes UBI dump the stack and
#          the whole LEB in hex (~0.5 MB of log each, ~3.5 MB a round), so the guest's ring
#          buffer (booted at 4M here: FLASHFAULT_LOG_BUF_LEN) wraps and loses the scenario's
#          first lines -- the guest checks that it did. Between rounds the workload waits
#          for the stream to catch up (ff_kmsg_settle): under TCG on a loaded host the
#          stream drains ~0.7 of UBI's rate, so only bursts up to the ring's size are
#          carried whole (a test of that would be a test of the host's load).
#   AFTER  the built-in ubi-attach workload on a fresh server: a clean slice.
# Passes when: the run passes (exit 0: the flood's stacks belong to UBI's error lines, no
# bug kind counted), no record was lost, the first UBI error line of FLOOD's slice in
# results.json is the first one the stream carried after its begin marker, AFTER's slice
# holds its own attach and none of the flood, and the kernel argument reached the guest.
# Usage: kernel_log_flood.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass on a run where the ring buffer did not wrap (nothing would be proven).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init kernel_log_flood "$@"
command -v jq >/dev/null || { echo "SKIP $E2E_NAME: jq is not installed"; exit 77; }
e2e_muse_files
E2E_BIN="${E2E_FILES[1]%:/flashfault}"
ko="${E2E_FILES[3]%:/muse.ko}"
flood="$E2E_OUT/flood.json" after="$E2E_OUT/after.json"
cat >"$flood" <<'EOF'
{"name": "flood", "geometry": "slc-2k-128m", "kernel_args": ["ubi.fm_autoconvert=1"],
 "script": {"seed": 22, "faults": [{"id": "storm", "kind": "program_fail", "program_effect": "unchanged",
   "where": {"blocks": [64, 1023], "pages": [16, 63]}, "when": {"ops": ["write"], "probability": 0.95}}]},
 "workload": {"shell": "grep -q ' ubi.fm_autoconvert=1' /proc/cmdline && echo 'cmdline: ubi.fm_autoconvert=1'\nbounded 300 ubiformat -y -q /dev/mtd$FF_MUSE_MTD\nhead -c 126976 /dev/urandom >/tmp/leb\nfor round in 1 2 3 4; do\n  ubi_attach $FF_MUSE_MTD 0\n  [ -c /dev/ubi0_0 ] || bounded 60 ubimkvol /dev/ubi0 -N test -m >/dev/null\n  bounded 120 ubiupdatevol /dev/ubi0_0 /tmp/leb && echo \"round $round: the update went through\" || echo \"round $round: the update failed\"\n  ubi_detach 0\n  ff_kmsg_settle\ndone\nif dmesg | grep -q 'flashfault: slice scenario.0 begin'; then echo 'ring: kept'; else echo 'ring: wrapped'; fi"},
 "expect": {"exit": 0, "kernel_log": {"ubi_errors": ">=4"}, "faults_fired": {"storm": ">=4"},
   "guest_log_contains": ["^cmdline: ubi.fm_autoconvert=1$", "^ring: wrapped$"],
   "dmesg_contains": ["ubi0 error: ubi_io_write.*: error -5 while writing 126976 bytes"]}}
EOF
cat >"$after" <<'EOF'
{"name": "after", "geometry": "slc-2k-16m", "kernel_args": ["ubi.fm_autoconvert=1"],
 "workload": "ubi-attach",
 "expect": {"exit": 0, "kernel_log": {"ubi_errors": 0}, "dmesg_lacks": ["ubi_io_write", "ubi_dump_flash|dumping 126976"]}}
EOF
rm -rf "$E2E_OUT/flood" "$E2E_OUT/after" "$E2E_OUT/batch"
set +e
FLASHFAULT_LOG_BUF_LEN=4M "$E2E_BIN" run "$flood" "$after" --out "$E2E_OUT" --muse-ko "$ko" >"$E2E_OUT/run.stdout" 2>"$E2E_OUT/run.stderr"
E2E_RUN_RC=$?
set -e
cat "$E2E_OUT/run.stdout"
vm="$E2E_OUT/batch/vm"
[ "$(grep -c '^\[vm\] booting' "$E2E_OUT/run.stderr")" = 1 ] || e2e_scenario_fail "not exactly one boot"
[ "$E2E_RUN_RC" = 0 ] || e2e_scenario_fail "the run exited $E2E_RUN_RC, expected 0 (both pass)"
[ "$(jq -r .kernel_log_lost "$vm/result.json")" = 0 ] || e2e_scenario_fail "kernel log records were lost"

E2E_RESULTS="$E2E_OUT/flood/results.json"
e2e_need_result .verdict pass
e2e_need_result .kernel_log.dropped 0
# The first UBI error of the flood's slice, straight from the stream: the first "ubi0
# error:" record after the slice's begin marker (a userspace record, facility 1).
want="$(awk -F';' '/^1[0-9],[0-9]+,[0-9]+,[^;]*;flashfault: slice scenario.0 begin$/ { on = 1; next }
                   on && /;ubi0 error: / { sub(/^[^;]*;/, ""); print; exit }' "$vm/kmsg.log")"
[ -n "$want" ] || e2e_scenario_fail "no UBI error in the stream after the flood's begin marker"
got="$(e2e_result .kernel_log.first.ubi_errors.line)"
[ "$got" = "$want" ] || e2e_scenario_fail "first UBI error in results.json is '$got', the stream's is '$want'"
[ "$(e2e_result '.kernel_log.first.ubi_errors.trace | map(select(test("ubi_io_write"))) | length')" -ge 1 ] ||
    e2e_scenario_fail "the first UBI error kept no trace through ubi_io_write"
grep -qF "$want" "$E2E_OUT/flood/dmesg.log" ||
    e2e_scenario_fail "the flood's dmesg.log lacks its first UBI error"
dumps="$(grep -c 'dumping 126976 bytes of data' "$E2E_OUT/flood/dmesg.log" || true)"
echo "flood: $(wc -c <"$E2E_OUT/flood/dmesg.log") bytes of kernel log, $dumps LEB hex dumps," \
     "$(e2e_result .observed.kernel_log.ubi_errors) UBI errors, stream $(jq -r .kernel_log_records "$vm/result.json") records"

E2E_RESULTS="$E2E_OUT/after/results.json"
e2e_need_result .verdict pass
e2e_need_result .kernel_log.dropped 0
grep -q 'ubi0: attached mtd' "$E2E_OUT/after/dmesg.log" || e2e_scenario_fail "the second slice lacks its own attach"
! grep -q 'ubi_io_write\|dumping 126976' "$E2E_OUT/after/dmesg.log" ||
    e2e_scenario_fail "the second slice holds the flood's lines"
E2E_RESULTS="$E2E_OUT/flood/results.json"
E2E_OUT="$E2E_OUT/batch"
e2e_scenario_pass
