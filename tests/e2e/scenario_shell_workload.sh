#!/bin/bash
# tests/e2e/scenario_shell_workload.sh -- e2e (issue 21 items 3-7): what a shell workload can say
# without internals, in one boot of two scenarios.
#  1. corpora/scenarios/shell-workload.json: its own files, the control directory (a cut right
#     after sync, power on, a fault script installed at run time), the report helpers, a killed
#     and restarted server on an erased part kept in a file, setfattr/getfattr and xfs_io.
#  2. killed-server: an unstable power cut (torn cells read again and again) counts as ONE
#     firing with many injections; a part that starts worn ("wear") fails an erase of a worn
#     block and not of a young one; the workload kills the server and leaves it dead, which
#     is an expected step and not an unclean stop.
# Usage: scenario_shell_workload.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass unless both verdicts and the counts come from the guest's real run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init scenario_shell_workload "$@"
command -v jq >/dev/null || { echo "SKIP $E2E_NAME: jq is not installed"; exit 77; }
e2e_muse_files
E2E_BIN="${E2E_FILES[1]%:/flashfault}"
ko="${E2E_FILES[3]%:/muse.ko}"
killed="$E2E_OUT/killed-server.json"
cat >"$killed" <<'JSON'
{"name": "killed-server", "geometry": "slc-2k-64m",
 "wear": [{"blocks": [100, 109], "erases": 5000}],
 "script": {"faults": [{"id": "cut", "kind": "power_cut", "unstable": true, "torn_fraction": 0.5,
                        "when": {"ops": ["write"], "nth_match": 3}},
                       {"id": "worn", "kind": "wear_out", "threshold": 5000, "rate": 1.0}]},
 "workload": {"shell": "m=/dev/mtd$FF_MUSE_MTD\nflash_erase -q $m 0 1\nhead -c 8192 /dev/urandom >/tmp/p\nnandwrite -q $m /tmp/p || echo \"nandwrite stopped by the cut\"\nff_power_on\nfor i in 1 2 3 4 5 6 7 8; do nanddump -q -s 4096 -l 2048 -f /tmp/d $m || true; done\nflash_erase -q $m $((101 * 131072)) 1 || true\nflash_erase -q $m $((110 * 131072)) 1\nff_kill_server"},
 "expect": {"exit": 0, "faults_fired": {"cut": 1, "worn": 1},
            "guest_log_contains": ["MEMERASE64 ioctl failed for eraseblock 101 "],
            "guest_log_lacks": ["failed for eraseblock 110 "]}}
JSON
rm -rf "$E2E_OUT/shell-workload" "$E2E_OUT/killed-server"
set +e
"$E2E_BIN" run "$E2E_REPO/corpora/scenarios/shell-workload.json" "$killed" --out "$E2E_OUT" \
    --muse-ko "$ko" >"$E2E_OUT/run.stdout" 2>"$E2E_OUT/run.stderr"
E2E_RUN_RC=$?
set -e
cat "$E2E_OUT/run.stdout"
[ "$E2E_RUN_RC" = 0 ] || e2e_scenario_fail "the run exited $E2E_RUN_RC, expected 0"

E2E_RESULTS="$E2E_OUT/shell-workload/results.json"
e2e_need_result .verdict pass
e2e_need_result .observed.files_verified 6
e2e_need_result .observed.server_kills 1
e2e_need_result .observed.server_exit 0
e2e_need_result '.observed.faults_fired["ctl:power_off"].fired' 1
[ "$(e2e_result '.observed.faults_fired["late-noise"].fired')" -ge 1 ] ||
    e2e_scenario_fail "the fault script installed at run time was not counted"
grep -q '^fired: .*late-noise (read_bitflip, installed at run time) x' "$E2E_OUT/run.stdout" ||
    e2e_scenario_fail "the summary does not name the fault installed at run time"

E2E_RESULTS="$E2E_OUT/killed-server/results.json"
e2e_need_result .verdict pass
e2e_need_result .observed.server_exit "killed by the workload"
e2e_need_result .observed.faults_fired.cut.fired 1
injections="$(e2e_result .observed.faults_fired.cut.injected)"
[ "$injections" -gt 2 ] ||
    e2e_scenario_fail "the unstable cut left $injections records; its torn cells were not read again"
echo "unstable cut: 1 firing, $injections injections"
e2e_scenario_pass
