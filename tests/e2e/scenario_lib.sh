# tests/e2e/scenario_lib.sh -- host helpers for the e2e tests that run a scenario file through
# `flashfault run` (bash; source after lib.sh).
#
#   e2e_scenario NAME [run args...]  run corpora/scenarios/NAME.json (or NAME, a path with a
#                                    slash) with results in E2E_OUT;
#                                    sets E2E_RUN_RC and E2E_RESULTS (results.json); never exits
#   e2e_result JQ_FILTER             a value from results.json (jq -r)
#   e2e_need_result JQ_FILTER WANT   fail unless the value equals WANT
#   e2e_scenario_pass                print "PASS <name>" with the run's wall seconds, exit 0
# Needs jq. Must not: build anything, or judge what `flashfault run` judges -- these tests
# check its verdict, exit status and the numbers it reports.

e2e_scenario() {
    local name="$1"; shift
    command -v jq >/dev/null || { echo "SKIP $E2E_NAME: jq is not installed"; exit 77; }
    e2e_muse_files
    E2E_BIN="${E2E_FILES[1]%:/flashfault}"
    local ko="${E2E_FILES[3]%:/muse.ko}"
    E2E_RESULTS="$E2E_OUT/results.json"
    rm -f "$E2E_RESULTS"
    set +e
    local file="$E2E_REPO/corpora/scenarios/$name.json"
    case "$name" in */*) file="$name" ;; esac
    "$E2E_BIN" run "$file" --out "$E2E_OUT" --muse-ko "$ko" "$@" \
        >"$E2E_OUT/run.stdout" 2>"$E2E_OUT/run.stderr"
    E2E_RUN_RC=$?
    set -e
    cat "$E2E_OUT/run.stdout"
    [ -f "$E2E_RESULTS" ] || e2e_scenario_fail "no results.json (exit $E2E_RUN_RC)"
}

e2e_scenario_fail() {
    echo "FAIL $E2E_NAME: $*"
    echo "  logs: $E2E_OUT/{run.stdout,run.stderr,results.json,vm/guest.log,vm/dmesg.log}"
    [ -f "$E2E_OUT/run.stderr" ] && tail -n 8 "$E2E_OUT/run.stderr" | sed 's/^/  | /'
    if [ -f "$E2E_OUT/vm/guest.log" ]; then
        echo "  last guest lines:"; tail -n 12 "$E2E_OUT/vm/guest.log" | sed 's/^/  | /'
    fi
    exit 1
}

e2e_result() { jq -r "$1" "$E2E_RESULTS"; }

e2e_need_result() {
    local got
    got="$(e2e_result "$1")"
    [ "$got" = "$2" ] || e2e_scenario_fail "results.json $1 is '$got', expected '$2'"
}

# e2e_need_verdict VERDICT EXIT: the run's verdict and exit status
e2e_need_verdict() {
    [ "$E2E_RUN_RC" = "$2" ] || e2e_scenario_fail "flashfault run exited $E2E_RUN_RC, expected $2"
    e2e_need_result .verdict "$1"
    grep -q "^VERDICT: $(echo "$1" | tr a-z A-Z) " "$E2E_OUT/run.stdout" ||
        e2e_scenario_fail "no 'VERDICT: $1' line on stdout"
    [ "$(e2e_result '[.checks[] | select(.pass == false)] | length')" = 0 ] || [ "$1" != pass ] ||
        e2e_scenario_fail "verdict pass with failed checks"
}

e2e_scenario_pass() {
    echo "PASS $E2E_NAME (wall $(e2e_result .wall_seconds | cut -c1-5)s, boot $(e2e_result .rig.boot_seconds)s)"
    exit 0
}

# e2e_explore_init: what the explore tests need (jq, the binary and module under test in
# E2E_BIN and E2E_KO); exits 77 without jq.
e2e_explore_init() {
    command -v jq >/dev/null || { echo "SKIP $E2E_NAME: jq is not installed"; exit 77; }
    e2e_muse_files
    E2E_BIN="${E2E_FILES[1]%:/flashfault}"
    E2E_KO="${E2E_FILES[3]%:/muse.ko}"
}

# e2e_fuzz_init: e2e_explore_init, and SKIP (exit 77) when flashfault-kernel-fuzzer was not
# built. fuzz_fail WORDS: FAIL, with where a fuzz test's logs are.
e2e_fuzz_init() {
    e2e_explore_init
    [ -x "$(dirname "$E2E_BIN")/flashfault-kernel-fuzzer" ] ||
        { echo "SKIP $E2E_NAME: flashfault-kernel-fuzzer was not built (libclang-rt-14-dev)"; exit 77; }
}
fuzz_fail() {
    echo "FAIL $E2E_NAME: $*"
    echo "  logs: $E2E_OUT/*.stdout, *.stderr, */results.json, */workers/*/guest/vm/"
    exit 1
}

# fuzz_replay SCENARIO SIGNATURE_PREFIX: `flashfault run` of a fuzz reproducer must exit 3 with
# the guest's "FAIL: fuzz case: SIGNATURE_PREFIX..." line (output in $E2E_OUT/replay.stdout).
fuzz_replay() {
    local rrc
    set +e
    "$E2E_BIN" run "$1" --out "$E2E_OUT/replay" --muse-ko "$E2E_KO" >"$E2E_OUT/replay.stdout" 2>&1
    rrc=$?
    set -e
    [ "$rrc" = 3 ] || fuzz_fail "flashfault run of the reproducer exited $rrc, expected 3 (see $E2E_OUT/replay.stdout)"
    grep -q "^guest: FAIL: fuzz case: $2" "$E2E_OUT/replay.stdout" ||
        fuzz_fail "the replay did not fail with '$2' (see $E2E_OUT/replay.stdout)"
}

# e2e_campaign COMMAND OUT ARGS...: `flashfault COMMAND ARGS --out OUT` (explore, fuzz) with
# the module under test; stdout to OUT.stdout (and printed), stderr to OUT.stderr, the exit
# status in $rc. e2e_explore OUT ARGS... is e2e_campaign explore.
e2e_campaign() {
    rm -rf "$2"
    set +e
    "$E2E_BIN" "$1" "${@:3}" --out "$2" --muse-ko "$E2E_KO" >"$2.stdout" 2>"$2.stderr"
    rc=$?
    set -e
    cat "$2.stdout"
}
e2e_explore() { e2e_campaign explore "$@"; }
