#!/bin/bash
# tests/e2e/server_sigkill.sh -- e2e: kill -9 the MUSE server under a mounted, busy UBIFS.
# Usage: server_sigkill.sh [BUILD_DIR]   needs BUILD_DIR/flashfault and muse.ko (see
# e2e_muse_files in lib.sh). Exit 0 pass, 1 fail, 77 prerequisites missing.
# Pass: the writer errors out, umount, ubidetach and rmmod muse complete within their
# deadlines, and the kernel log has no oops, BUG, WARNING, hung task or panic.
# Must not: treat a rig timeout (a hung guest) as anything but a failure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_init server_sigkill "$@"
e2e_muse_files
e2e_run "$E2E_REPO/tests/e2e/guest/server_sigkill.sh" --timeout 420 "${E2E_FILES[@]}"
[ "$E2E_RC" = 0 ] || e2e_fail "guest script failed (exit $E2E_RC): $(grep -m1 -E '^(FAIL|HUNG)' "$E2E_OUT/guest.log" || true)"
for k in oops bug warning hung_task panic; do
    [ "$(e2e_json "$k")" = 0 ] || e2e_fail "kernel log shows $k: $(sed -n 's/.*"lines":\(.*\)}}$/\1/p' "$E2E_OUT/result.json")"
done
grep -q '^server_sigkill: ok' "$E2E_OUT/guest.log" || e2e_fail "guest did not report ok"
grep -E '^(TIMING|KERNEL_LOG)' "$E2E_OUT/guest.log" || true
e2e_pass
