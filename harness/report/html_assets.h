// The inline style and script of report.html (html_report.h). Kept apart
// from the page's content so each can be read alone.
//
// The script must not: load anything, write to the console, or assume a
// section exists (a report may have no findings, no explorations, no
// devices). It marks <body data-ff-ready="1"> when it has finished, and
// data-ff-error="..." when anything threw (tests/report/browser_test.sh).
#pragma once

namespace flashfault::report {

inline constexpr char kReportCss[] = R"css(
:root { --pass: #2ca02c; --fail: #d62728; --error: #b35900; --ink: #222; --muted: #666; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1100px; padding: 16px 24px 48px; }
h1 { font-size: 20px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.verdict { font-size: 18px; font-weight: 600; padding: 12px 16px; border-radius: 6px; color: #fff; }
.verdict.pass { background: var(--pass); } .verdict.fail { background: var(--fail); }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.tile { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.tile b { display: block; font-size: 22px; }
.tile span { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f6f6f6; cursor: pointer; user-select: none; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px;
         font-weight: 600; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.badge.error { background: var(--error); } .badge.known { background: #7f7f7f; }
code, pre { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
pre { background: #f7f7f7; border: 1px solid #eee; padding: 8px; overflow-x: auto; white-space: pre-wrap;
      word-break: break-all; max-height: 420px; }
.cmd { display: flex; gap: 6px; align-items: flex-start; }
.cmd { min-width: 260px; }
.cmd code { background: #f3f3f3; padding: 2px 5px; border-radius: 3px; word-break: break-all; }
button.copy { font-size: 11px; padding: 1px 6px; cursor: pointer; }
.muted { color: var(--muted); }
.key { margin-right: 14px; white-space: nowrap; font-size: 12px; }
.swatch { display: inline-block; width: 11px; height: 11px; margin-right: 4px; vertical-align: -1px;
          border: 1px solid #ccc; }
.device { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.device .facts { min-width: 220px; }
details > summary { cursor: pointer; font-weight: 600; margin: 8px 0; }
.filter { margin: 6px 0; font-size: 13px; }
tr.hidden { display: none; }
)css";

inline constexpr char kReportScript[] = R"js(
(function () {
  "use strict";
  var body = document.body;
  window.addEventListener("error", function (e) {
    body.setAttribute("data-ff-error", String(e.message || e));
  });
  try {
    // Copy buttons: the reproduce commands.
    Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (b) {
      b.addEventListener("click", function () {
        var text = b.getAttribute("data-text") || "";
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(function () { b.textContent = "copied"; },
                                                   function () { b.textContent = "select it"; });
        } else {
          b.textContent = "select it";
        }
      });
    });
    // Sortable tables: click a header; numbers sort as numbers.
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
      Array.prototype.forEach.call(table.querySelectorAll("th"), function (th, col) {
        th.addEventListener("click", function () {
          var tbody = table.tBodies[0];
          var rows = Array.prototype.filter.call(tbody.rows, function (r) {
            return !r.classList.contains("detail");
          });
          var asc = th.getAttribute("data-sort") !== "asc";
          rows.sort(function (a, b) {
            var x = a.cells[col] ? a.cells[col].getAttribute("data-v") || a.cells[col].textContent : "";
            var y = b.cells[col] ? b.cells[col].getAttribute("data-v") || b.cells[col].textContent : "";
            var nx = parseFloat(x), ny = parseFloat(y);
            var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
            return asc ? c : -c;
          });
          rows.forEach(function (r) {
            tbody.appendChild(r);
            var d = r.getAttribute("data-detail");
            if (d) { var dr = document.getElementById(d); if (dr) tbody.appendChild(dr); }
          });
          th.setAttribute("data-sort", asc ? "asc" : "desc");
        });
      });
    });
    // Failures only.
    var only = document.getElementById("failures-only");
    if (only) {
      only.addEventListener("change", function () {
        Array.prototype.forEach.call(document.querySelectorAll("tr.ok"), function (r) {
          r.classList.toggle("hidden", only.checked);
        });
      });
    }
    body.setAttribute("data-ff-ready", "1");
  } catch (e) {
    body.setAttribute("data-ff-error", String(e && e.message ? e.message : e));
  }
})();
)js";

}  // namespace flashfault::report
