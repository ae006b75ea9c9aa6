// The whole of `flashfault report` below its flags: read every results
// directory (result_loader.h), merge (merge.h), write junit.xml and
// report.html into the output directory, each atomically and only after
// both are built, so a failure never leaves half a file or a report that
// disagrees with its junit.xml.
//
// Must not: print (the CLI does), or write anything but the two files.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace flashfault::report {

struct ReportSummary {
  std::string junit, html;  // the files written
  size_t scenarios = 0, scenarios_failed = 0, scenarios_errored = 0;
  size_t explorations = 0, states_checked = 0;
  size_t fuzzings = 0, executions = 0;
  size_t findings = 0, known_findings = 0;  // new ones; known ones came back
  size_t problems = 0;  // MergedReport::problems(): 0 means all clear
  std::vector<std::string> lines;  // one per problem, for the summary on stdout
};

// Errors: InvalidArgument / NotFound for bad input (a missing or empty
// directory, a malformed results file: the message names the file and JSON
// path); anything else means the outputs could not be written.
absl::StatusOr<ReportSummary> WriteReport(const std::vector<std::string>& dirs,
                                          const std::string& out_dir);

}  // namespace flashfault::report
