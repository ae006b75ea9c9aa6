#!/bin/bash
# report.html in a real browser: `flashfault report` over the fixture night
# (failures, findings from two shards, device maps, timelines, a fuzzing
# campaign's coverage), then Debian's
# headless Chromium loads the page from disk with the network refused and
#   - its script ran to the end: <body data-ff-ready="1"> in the DOM it dumps,
#     and no data-ff-error (the page records any exception there);
#   - nothing was written to the console (the page's script never logs, so
#     any console line is an error: an exception, a refused load);
#   - the verdict, the findings table, the eraseblock maps and timelines are
#     in the rendered DOM;
#   - a screenshot is taken and kept beside the report (report.png).
# The page itself must load nothing: no src, no href but #anchors, no url()
# but data:, no @import.
# Exits 77 (ctest: skipped) with a clear message only when chromium is not
# installed; harness/setup/install-deps.sh installs it.
# Usage: browser_test.sh FLASHFAULT OUT_DIR
set -euo pipefail
ff="$1" out="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
chromium="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$chromium" ]; then
    echo "SKIP: chromium is not installed, so report.html was not rendered (harness/setup/install-deps.sh installs Debian's chromium)"
    exit 77
fi
rm -rf "$out"
mkdir -p "$out"
rc=0
"$ff" report "$here/fixtures/nightly" --out "$out" >"$out/report.out" || rc=$?
[ "$rc" = 3 ] || { cat "$out/report.out"; echo "FAIL: report exited $rc, not 3"; exit 1; }
page="$out/report.html"

# Self-contained: nothing to fetch.
if grep -Eo '(src|href)="[^"#][^"]*"|url\((["'"'"']?)[^d"'"'"'][^)]*\)|@import' "$page"; then
    echo "FAIL: report.html refers to something outside itself (above)"; exit 1
fi

profile="$out/.chromium-profile"
flags=(--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$profile"
       --host-resolver-rules="MAP * ~NOTFOUND" --proxy-server="127.0.0.1:9"
       --enable-logging=stderr --v=0 --virtual-time-budget=5000)
timeout 120 "$chromium" "${flags[@]}" --dump-dom "file://$page" >"$out/dom.html" 2>"$out/chromium.log" ||
    { tail -n 20 "$out/chromium.log"; echo "FAIL: chromium could not load the page"; exit 1; }
grep -q 'data-ff-ready="1"' "$out/dom.html" ||
    { grep -o 'data-ff-error="[^"]*"' "$out/dom.html" || true; echo "FAIL: the page's script did not finish"; exit 1; }
if grep -o 'data-ff-error="[^"]*"' "$out/dom.html"; then echo "FAIL: the page's script threw"; exit 1; fi
if grep 'CONSOLE' "$out/chromium.log"; then echo "FAIL: the page wrote to the console (above)"; exit 1; fi
for want in 'id="verdict"' 'FAIL: 1 scenario failed' 'id="findings-table"' 'ubifs_read_node: bad node type' \
            'aria-label="eraseblock map of slc-2k-64m"' 'aria-label="operations and injected faults along the op sequence"' \
            'aria-label="crash states checked per minute"' 'grown bad during the run' \
            'aria-label="coverage over the fuzzing time"' 'Kernel fault fuzzing'; do
    grep -qF "$want" "$out/dom.html" || { echo "FAIL: the rendered page lacks: $want"; exit 1; }
done

timeout 120 "$chromium" "${flags[@]}" --hide-scrollbars --window-size=1280,2400 \
    --screenshot="$out/report.png" "file://$page" >/dev/null 2>>"$out/chromium.log" ||
    { tail -n 20 "$out/chromium.log"; echo "FAIL: no screenshot"; exit 1; }
size=$(stat -c %s "$out/report.png" 2>/dev/null || echo 0)
[ "$size" -gt 20000 ] || { echo "FAIL: the screenshot is $size bytes: an empty page?"; exit 1; }
rm -rf "$profile"
echo "report.html rendered in $("$chromium" --version 2>/dev/null | head -n1) without script errors; screenshot $out/report.png ($size bytes)"
