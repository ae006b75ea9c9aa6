#!/bin/bash
# tests/e2e/ubi_debugfs_kinds.sh -- e2e (issue 17): the 18 kinds of UBI's own fault injection
# (debugfs emulate_failures, Linux 6.8+, not in 6.1), each expressed with real bits on the
# flash by a script of corpora/scripts/ubi-debugfs/, run in one boot on Debian's kernel
# under one workload (tests/e2e/ubi-debugfs-kinds/workload.sh: UBI formats an erased part,
# makes a volume, updates it twice, reads it, reattaches). Each scenario must see its fault
# fire and UBI's reaction in its own slice of the kernel log (the table below; the same
# reactions are tabled in docs/ubi-debugfs-comparison.md). A corrupted or unreadable VID
# header of a data PEB makes 6.1's attach refuse the part and then trip its own assertion
# in ubi_wl_init (corpora/reproducers/328502f7f958): those scenarios expect it; any other
# kernel bug fails them.
# Usage: ubi_debugfs_kinds.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Must not: pass on a kind whose fault never fired or whose reaction is not in the log.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scenario_lib.sh"
e2e_init ubi_debugfs_kinds "$@"
e2e_explore_init
scripts="$E2E_REPO/corpora/scripts/ubi-debugfs"
workload="$E2E_REPO/tests/e2e/ubi-debugfs-kinds/workload.sh"
# kind | UBI's reaction: a line of its kernel-log slice matches (ECMAScript) | UBI asserts (1) or not (0)
table='
power-cut-ec|ECC error\) while reading 64 bytes from PEB [0-9]+:0,|0
power-cut-vid|the layout volume was not found|0
power-cut-data|damaged volume, update marker is set|0
bitflips|scrubbed PEB [0-9]+ \(LEB 0:[0-9]+\)|0
eccerr|ECC error\) while reading 129024 bytes from PEB [0-9]+:2048, read only 129024 bytes, retry|0
read-failure|ubi0 error: ubi_io_read.*ECC error\) while reading 129024 bytes from PEB [0-9]+:2048, read 129024 bytes|0
read-failure-ec|ubi0 error: ubi_io_read.*ECC error\) while reading 64 bytes from PEB [0-9]+:0, read 64 bytes|0
read-failure-vid|ubi0 error: ubi_io_read.*ECC error\) while reading 64 bytes from PEB [0-9]+:512, read 64 bytes|1
write-failure|run torture test for PEB [0-9]+|0
erase-failure|error -5 while erasing PEB [0-9]+, retry|0
io-ff-ec|switch to read-only mode|0
io-ff-vid|failed to write VID header to LEB|0
io-ff-bitflips-ec|fixable bit-flip detected at PEB 0$|0
io-ff-bitflips-vid|fixable bit-flip detected at PEB 2$|0
bad-hdr-ec||0
bad-hdr-vid|PEB [0-9]+ contains corrupted VID header, and the data does not contain all 0xFF|1
bad-hdr-ebadmsg-ec|ECC error\) while reading 64 bytes from PEB [0-9]+:0, read only 64 bytes, retry|0
bad-hdr-ebadmsg-vid|PEB [0-9]+ contains corrupted VID header, and the data does not contain all 0xFF|1
'
files=() names=()
while IFS='|' read -r kind reaction asserts; do
    [ -n "$kind" ] || continue
    script="$scripts/$kind.json"
    [ -f "$script" ] || e2e_scenario_fail "no script $script"
    id="$(jq -r '.faults[0].id' "$script")"
    rm -rf "${E2E_OUT:?}/ubi-$kind"
    jq -n --arg name "ubi-$kind" --arg script "$script" --rawfile shell "$workload" --arg id "$id" \
          --arg reaction "$reaction" --argjson asserts "$asserts" \
        '{name: $name, geometry: "slc-2k-16m", script: $script, workload: {shell: $shell},
          expect: ({exit: 0, faults_fired: {($id): ">=1"},
                    kernel_log: {ubi_assert: ($asserts | tostring)}}
                   + (if $reaction == "" then {} else {dmesg_contains: [$reaction]} end))}' \
        >"$E2E_OUT/ubi-$kind.json"
    files+=("$E2E_OUT/ubi-$kind.json") names+=("ubi-$kind")
done <<<"$table"
[ "${#files[@]}" = 18 ] || e2e_scenario_fail "the table has ${#files[@]} kinds, not 18"
[ "$(ls "$scripts"/*.json | wc -l)" = 18 ] || e2e_scenario_fail "corpora/scripts/ubi-debugfs/ does not hold 18 scripts"
set +e
"$E2E_BIN" run "${files[@]}" --out "$E2E_OUT" --muse-ko "$E2E_KO" >"$E2E_OUT/run.stdout" 2>"$E2E_OUT/run.stderr"
E2E_RUN_RC=$?
set -e
grep '^VERDICT' "$E2E_OUT/run.stdout" || true
[ "$(grep -c '^\[vm\] booting' "$E2E_OUT/run.stderr")" = 1 ] || e2e_scenario_fail "not exactly one boot"
for n in "${names[@]}"; do
    grep -q "^VERDICT: PASS $n " "$E2E_OUT/run.stdout" ||
        e2e_scenario_fail "$n did not pass: $(grep -A3 "^scenario $n " "$E2E_OUT/run.stdout" | grep FAIL | head -3)"
done
[ "$E2E_RUN_RC" = 0 ] || e2e_scenario_fail "the run exited $E2E_RUN_RC"
echo "PASS $E2E_NAME (18 kinds in one boot)"
