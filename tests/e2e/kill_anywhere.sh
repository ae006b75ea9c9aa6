#!/bin/bash
# tests/e2e/kill_anywhere.sh -- e2e: SIGKILL the MUSE server at seeded random moments.
# Half the moments under UBIFS writes on a server backed by an image file, half under raw
# readers (direct reads) and a raw writer; see guest/kill_anywhere.sh for the checks of
# each moment: nothing hangs, rmmod muse succeeds every time, and a new server on the
# same image brings back every file content acknowledged by sync before the kill.
# Rounds: $FLASHFAULT_KILL_ROUNDS (default 20; the long run, label long, takes 100), seed:
# $FLASHFAULT_KILL_SEED (default 1, printed; the same seed replays the same moments).
# Usage: kill_anywhere.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Pass: the guest reports every round done, and the kernel log has no oops, BUG, WARNING,
# assert, hung task, unattributed trace or panic (UBI/UBIFS errors are expected: the
# device died).
# Must not: pass with fewer rounds done than asked for.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds="${FLASHFAULT_KILL_ROUNDS:-20}" seed="${FLASHFAULT_KILL_SEED:-1}"
e2e_init "kill_anywhere${FLASHFAULT_KILL_ROUNDS:+_$rounds}" "$@"
e2e_muse_files
echo "[e2e] $rounds kills, seed $seed (FLASHFAULT_KILL_SEED=$seed replays them)" >&2
e2e_run "$E2E_REPO/tests/e2e/guest/kill_anywhere.sh" --timeout $((300 + rounds * 40)) \
    --env "FF_KILL_ROUNDS=$rounds" --env "FF_KILL_SEED=$seed" "${E2E_FILES[@]}"
[ "$E2E_RC" = 0 ] ||
    e2e_fail "guest script failed (exit $E2E_RC): $(grep -m1 -E '^(FAIL|HUNG)' "$E2E_OUT/guest.log" || true)"
bugs=0
command -v jq >/dev/null || { echo "SKIP $E2E_NAME: jq is not installed"; exit 77; }
for k in $("$E2E_VM/classify-dmesg.sh" --kinds | sed -n 's/ bug$//p'); do
    n="$(jq ".kernel_log.$k" "$E2E_OUT/result.json")"
    [ "${n:-0}" = 0 ] || { echo "kernel log: $k $n"; bugs=$((bugs + n)); }
done
[ "$bugs" = 0 ] || e2e_fail "the kernel log shows $bugs bug signal(s): $(sed -n 's/.*"lines":\(.*\)}}$/\1/p' "$E2E_OUT/result.json")"
grep -q '^kill_anywhere: ok' "$E2E_OUT/guest.log" || e2e_fail "the guest did not report ok"
done_rounds="$(grep -c '^KILL n=' "$E2E_OUT/guest.log" || true)"
[ "$done_rounds" = "$rounds" ] || e2e_fail "$done_rounds of $rounds kills done"
grep '^KILL_ANYWHERE' "$E2E_OUT/guest.log"
echo "kernel log: $(jq .kernel_log.ubi_errors "$E2E_OUT/result.json") UBI errors," \
     "$(jq .kernel_log.ubifs_errors "$E2E_OUT/result.json") UBIFS errors, 0 bug signals"
e2e_pass
