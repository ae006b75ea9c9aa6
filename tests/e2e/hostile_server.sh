#!/bin/bash
# tests/e2e/hostile_server.sh -- e2e: a hostile server on /dev/muse never takes the kernel
# down (issue 19): tests/e2e/hostile_muse.c, table-driven, then hostile_muse_fuzz.c driven by
# libFuzzer ($FLASHFAULT_FUZZ_SECONDS, default 30; seed $FLASHFAULT_FUZZ_SEED, default 1), in
# the guest.
# Usage: hostile_server.sh [BUILD_DIR]. Exit 0 pass, 1 fail, 77 prerequisites missing.
# Pass: every case gets what the protocol promises (a refused write, an aborted connection,
# a reader that ends), rmmod muse succeeds, and the kernel log has no oops, BUG, WARNING,
# KASAN report, hung task or panic.
# Must not: treat a rig timeout (a hung guest) as anything but a failure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_init hostile_server "$@"
e2e_muse_files
cc -O2 -static -Wall -Wextra -o "$E2E_OUT/hostile_muse" "$E2E_REPO/tests/e2e/hostile_muse.c"
command -v clang-14 >/dev/null || { echo "SKIP $E2E_NAME: clang-14 (libFuzzer) is not installed"; exit 77; }
clang-14 -O1 -g -fsanitize=fuzzer -Wall -Wextra -o "$E2E_OUT/hostile_muse_fuzz" \
    "$E2E_REPO/tests/e2e/hostile_muse_fuzz.c"
fuzz=(--file "$E2E_OUT/hostile_muse_fuzz:/hostile_muse_fuzz"
      --env "FF_FUZZ_SECONDS=${FLASHFAULT_FUZZ_SECONDS:-30}" --env "FF_FUZZ_SEED=${FLASHFAULT_FUZZ_SEED:-1}")
e2e_run "$E2E_REPO/tests/e2e/guest/hostile_server.sh" --timeout 600 "${E2E_FILES[@]}" \
    --file "$E2E_OUT/hostile_muse:/hostile_muse" "${fuzz[@]}"
grep '^CASE .*: FAIL' "$E2E_OUT/guest.log" || true
[ "$E2E_RC" = 0 ] || e2e_fail "guest script failed (exit $E2E_RC): $(grep -m1 -E '^(FAIL|HUNG)' "$E2E_OUT/guest.log" || true)"
for k in oops bug warning hung_task panic; do
    [ "$(e2e_json "$k")" = 0 ] || e2e_fail "kernel log shows $k"
done
grep '^hostile_server: ok' "$E2E_OUT/guest.log" || e2e_fail "guest did not report ok"
grep -E '^FUZZ ' "$E2E_OUT/guest.log" || true
e2e_pass
