#!/bin/bash
# junit.xml against the JUnit format (tests/report/junit.xsd, validated by
# xmllint from Debian's libxml2-utils): `flashfault report` over the fixture
# results (a night with a failure, an unjudged run and findings from two
# shards, a fuzzing campaign with a new and a known finding; a clean night) must write a junit.xml the schema accepts, with the
# counts the fixtures imply; and the schema must refuse a junit.xml with a
# test case that has no name, so it is known to check something.
# Usage: junit_schema_test.sh FLASHFAULT
set -euo pipefail
ff="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
xsd="$here/junit.xsd"
command -v xmllint >/dev/null || { echo "xmllint is missing (apt-get install libxml2-utils)"; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

rc=0
"$ff" report "$here/fixtures/nightly" --out "$tmp/night" >"$tmp/night.out" || rc=$?
[ "$rc" = 3 ] || { cat "$tmp/night.out"; echo "FAIL: report over the failing night exited $rc, not 3"; exit 1; }
"$ff" report "$here/fixtures/clean" --out "$tmp/clean" >"$tmp/clean.out" ||
    { cat "$tmp/clean.out"; echo "FAIL: report over the clean night failed"; exit 1; }

for night in night clean; do
    xmllint --noout --schema "$xsd" "$tmp/$night/junit.xml" ||
        { echo "FAIL: $night/junit.xml does not follow junit.xsd"; exit 1; }
done
# The failing night: 3 scenarios (one failed, one unjudged), one exploration with 2
# findings, one fuzzing campaign with 2 findings (one known: skipped).
head -n 2 "$tmp/night/junit.xml" | grep -q '<testsuites name="flashfault" tests="9" failures="4" errors="1"' ||
    { head -n 3 "$tmp/night/junit.xml"; echo "FAIL: unexpected totals"; exit 1; }
grep -q 'flashfault run corpora/scenarios/prog-fail-remount.json' "$tmp/night/junit.xml" ||
    { echo "FAIL: the failing scenario's reproduce command is not in its failure text"; exit 1; }
grep -q 'ubi0 error: ubi_io_write \[ubi\]: error -5' "$tmp/night/junit.xml" ||
    { echo "FAIL: the kernel-log excerpt is not in the failure text"; exit 1; }
grep -q 'reproduce: flashfault run results/night/explore-2of2/reproducers/5d1c2a7b90e3/scenario.json' "$tmp/night/junit.xml" ||
    { echo "FAIL: a finding's reproducer is not in its failure text"; exit 1; }
grep -q '<testsuite name="flashfault fuzz" tests="3" failures="1" errors="0" skipped="1"' "$tmp/night/junit.xml" ||
    { echo "FAIL: the fuzzing suite's counts"; exit 1; }
head -n 2 "$tmp/clean/junit.xml" | grep -q 'tests="1" failures="0" errors="0"' ||
    { echo "FAIL: the clean night is not one passing test"; exit 1; }

# The schema has teeth: a test case without a name is refused.
sed '0,/<testcase classname=/s/<testcase classname="[^"]*" name="[^"]*"/<testcase classname="x"/' \
    "$tmp/night/junit.xml" >"$tmp/broken.xml"
if xmllint --noout --schema "$xsd" "$tmp/broken.xml" 2>/dev/null; then
    echo "FAIL: junit.xsd accepted a test case without a name"; exit 1
fi
echo "junit.xml of both nights follows junit.xsd; a nameless test case is refused"
