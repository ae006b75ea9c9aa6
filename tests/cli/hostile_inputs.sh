#!/usr/bin/env bash
# Hostile inputs across subcommands, tried as a new user would (issue 20):
# each must give exit 2 with a message naming the file and the place, no
# crash, and leave nothing written; a pipe import must carry its data.
# Usage: hostile_inputs.sh FLASHFAULT_BINARY. Never boots a guest.
set -u
ff="$1"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
fails=0

# expect RC SUBSTRING CMD...: exit status RC and SUBSTRING in stderr.
expect() {
  local rc="$1" want="$2"; shift 2
  "$@" >out.txt 2>err.txt
  local got=$?
  if [ "$got" != "$rc" ] || ! grep -qF -- "$want" err.txt; then
    echo "FAIL: $* -> exit $got (want $rc), stderr: $(head -c 300 err.txt) (want '$want')"
    fails=$((fails + 1))
  fi
}
# nothing_written NAME...: none of the names (nor temporaries) exist.
nothing_written() {
  for n in "$@"; do
    if compgen -G "$n*" >/dev/null; then echo "FAIL: $n was written"; fails=$((fails + 1)); fi
  done
}

# Item 1: a pipe is streamed, never an all-erased "success".
head -c 300000 /dev/urandom >data.bin
"$ff" image import --preset slc-2k-64m --format raw /dev/stdin piped.img <data.bin >/dev/null 2>err.txt \
  || { echo "FAIL: pipe import: $(cat err.txt)"; fails=$((fails + 1)); }
"$ff" image export --format raw piped.img back.bin >/dev/null 2>&1
if ! cmp -s -n 300000 data.bin back.bin; then echo "FAIL: pipe import lost data"; fails=$((fails + 1)); fi
expect 2 "empty input" sh -c "true | '$ff' image import --preset slc-2k-64m --format raw /dev/stdin e.img"
nothing_written e.img
expect 2 "not a whole number" sh -c "head -c 100 data.bin | '$ff' image import --preset slc-2k-64m /dev/stdin t.img"
nothing_written t.img

# Item 5: never overwrite the input, temporaries gone after SIGTERM.
cp data.bin same.bin
expect 2 "refusing to overwrite" "$ff" image import --preset slc-2k-64m --format raw same.bin same.bin
cmp -s data.bin same.bin || { echo "FAIL: import overwrote its input"; fails=$((fails + 1)); }
expect 2 "refusing to overwrite" "$ff" image export piped.img piped.img
"$ff" image create --preset slc-2k-256m big.img >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if compgen -G "big.img.tmp.*" >/dev/null; then echo "FAIL: SIGTERM left a temporary"; fails=$((fails + 1)); fi
rm -f big.img big.img.meta.json

# Item 6: directories are bad input, named as such.
mkdir adir
expect 2 "is a directory" "$ff" image create --geometry adir x.img
expect 2 "is a directory" "$ff" image create --preset slc-2k-64m adir
expect 2 "is a directory" "$ff" script check adir
expect 2 "is a directory" "$ff" image import --preset slc-2k-64m adir y.img
nothing_written x.img y.img

# Item 3: a pairing distance that wrapped to zero and divided by it.
"$ff" geometry show mlc-4k-1g >mlc.json 2>/dev/null
sed 's/"pairing_distance": *[0-9]*/"pairing_distance": 2147483648/' mlc.json >pd.json
expect 2 'pd.json: $.pairing_distance' "$ff" image create --geometry pd.json pd.img
nothing_written pd.img
printf '{"name": "a",\n "name": "b"}' >dup.json
expect 2 'dup.json: $.name: key given twice' "$ff" image create --geometry dup.json dup.img
printf '{"name": "a",\n "cell": }' >syn.json
expect 2 'syn.json: not valid JSON: parse error at line 2' "$ff" image create --geometry syn.json syn.img
nothing_written dup.img syn.img

# Item 4: a non-string format in the metadata aborted image info/export.
"$ff" image create --preset slc-2k-64m m.img >/dev/null 2>&1
sed 's/"format": *"flashfault-image"/"format": 5/' m.img.meta.json >meta.tmp && mv meta.tmp m.img.meta.json
expect 2 'm.img.meta.json: $.format' "$ff" image info m.img
expect 2 'm.img.meta.json: $.format' "$ff" image export m.img m.bin
nothing_written m.bin

# Item 2/6: scripts: repeated keys, NUL in an id, a huge bad input.
printf '{"faults": [{"id": "a\\u0000b", "kind": "read_bitflip"}]}' >nul.json
expect 2 'a\x00b' "$ff" script check --preset slc-2k-64m nul.json
{ printf '{"faults": ["'; head -c 3000000 /dev/zero | tr '\0' x; } >huge.json
"$ff" script check --preset slc-2k-64m huge.json >/dev/null 2>err.txt
rc=$?
if [ "$rc" != 2 ] || [ "$(wc -c <err.txt)" -gt 1000 ]; then
  echo "FAIL: huge script: exit $rc, $(wc -c <err.txt)-byte message"; fails=$((fails + 1))
fi

# Issue 21 item 2: a scenario's truncated image is bad input found before any boot: exit 2,
# the scenario, JSON path and offset named, no results written; a bad --kernel likewise.
head -c 2100 /dev/urandom >torn.dump
printf '{"name": "torn", "geometry": "slc-2k-64m", "workload": "ubi-attach",\n "image": {"kind": "nanddump", "path": "torn.dump"}}\n' >torn.json
expect 2 'torn.json: $.image.path: ' "$ff" run torn.json --out torn-results
expect 2 'torn.json: $.image.path: ' "$ff" run torn.json --out torn-results --kernel 6.12
nothing_written torn-results
printf '{"name": "k", "geometry": "slc-2k-64m", "workload": "ubi-attach"}\n' >k.json
expect 2 "--kernel 'nonsense': not a kernel" "$ff" run k.json --out k-results --kernel nonsense
nothing_written k-results

# Issue 21 item 9: `run --check` validates without booting and reports every invalid
# scenario (exit 2), a valid one alone exits 0; nothing is written either way.
printf '{"name": "f", "geometry": "slc-2k-64m", "workload": {"shell": "true"}, "files": ["../escape"]}\n' >f.json
expect 2 'f.json: $.files[0]: "../escape" must be a path inside' "$ff" run --check torn.json f.json k.json
grep -qF 'torn.json: $.image.path: ' err.txt || { echo "FAIL: --check stopped at the first invalid scenario"; fails=$((fails + 1)); }
grep -q '^ok k.json: k ' out.txt || { echo "FAIL: --check did not list the valid scenario"; fails=$((fails + 1)); }
"$ff" run --check k.json >out.txt 2>err.txt || { echo "FAIL: --check of a valid scenario: $(cat err.txt)"; fails=$((fails + 1)); }
nothing_written results

# Issue 18: `nightly` refuses a corpus that does not load (naming the file), a corpus
# without scenarios/, a malformed budget, shard or workload, before booting or writing.
mkdir -p corpus/scenarios corpus/reproducers/abc
printf '{"name": "ok", "geometry": "slc-2k-64m", "workload": "ubi-attach"}\n' >corpus/scenarios/ok.json
printf 'maybe\n' >corpus/reproducers/abc/verdict
printf '{"name": "abc", "geometry": "slc-2k-64m", "workload": "ubi-attach"}\n' >corpus/reproducers/abc/scenario.json
expect 2 'abc/verdict: expected "pass" or "fail", got "maybe"' "$ff" nightly --corpus corpus --out n1
nothing_written n1
printf '{"name": "bad", "geometry": "slc-2k-64m", "workload": 7}\n' >corpus/scenarios/bad.json
printf 'fail\n' >corpus/reproducers/abc/verdict
expect 2 'bad.json: $.workload' "$ff" nightly --corpus corpus --shard 2/2 --out n2
nothing_written n2
expect 2 "no scenarios/ folder" "$ff" nightly --corpus corpus/reproducers --out n3
expect 2 "--budget: expected seconds" "$ff" nightly --corpus corpus --budget 5x --out n4
expect 2 "--shard: " "$ff" nightly --corpus corpus --shard 3/2 --out n5
expect 2 "--workload: 'nope' is neither" "$ff" nightly --corpus corpus --workload nope --out n6
expect 2 "--out DIR is required" "$ff" nightly --corpus corpus
nothing_written n3 n4 n5 n6

if [ "$fails" != 0 ]; then echo "$fails failures"; exit 1; fi
echo "all hostile inputs refused cleanly"
