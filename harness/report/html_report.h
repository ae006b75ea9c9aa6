// report.html: one self-contained page a person reads in a minute. From
// the top: the verdict in one line, the figures, the findings by signature
// (first seen, states, the one-line reproducer), every scenario run with
// its failed checks and kernel-log excerpt, the explorations with their
// crash states per minute, the fuzzing campaigns with their executions and
// coverage over time, each device's eraseblock map (erase counts,
// factory and grown bad blocks) and its ops and faults along the op
// sequence, and the decoded map of an initial image where a run had one.
//
// Everything is inline (CSS, SVG, a short script for copy buttons,
// sorting and the failures-only filter): opened offline it looks the same.
// When the script has run it sets data-ff-ready="1" on <body> (and
// data-ff-error when anything threw), which the browser test reads.
// Must not: fetch anything, or decide outcomes (merge.h did).
#pragma once

#include <string>
#include <vector>

#include "harness/report/merge.h"

namespace flashfault::report {

// `inputs` are the directories the report was made from, for its header.
std::string HtmlReport(const MergedReport& report, const std::vector<std::string>& inputs);

}  // namespace flashfault::report
