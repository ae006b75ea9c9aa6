// Reading, merging and writing the report; see report_files.h.
#include "harness/report/report_files.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/status_macros.h"
#include "harness/report/html_report.h"
#include "harness/report/junit_xml.h"
#include "harness/report/merge.h"
#include "harness/report/result_loader.h"

namespace flashfault::report {

namespace fs = std::filesystem;

absl::StatusOr<ReportSummary> WriteReport(const std::vector<std::string>& dirs,
                                          const std::string& out_dir) {
  FF_ASSIGN_OR_RETURN(const ResultSet set, LoadResults(dirs));
  const MergedReport merged = Merge(set);
  const std::string junit = JunitXml(merged);
  const std::string html = HtmlReport(merged, dirs);

  ReportSummary s;
  s.junit = (fs::path(out_dir) / "junit.xml").string();
  s.html = (fs::path(out_dir) / "report.html").string();
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", out_dir, ": ", ec.message()));
  FF_RETURN_IF_ERROR(WriteFileAtomically(s.junit, junit));
  FF_RETURN_IF_ERROR(WriteFileAtomically(s.html, html));

  s.scenarios = merged.scenarios.size();
  for (const ScenarioCase& c : merged.scenarios) {
    if (c.outcome == Outcome::kPass) continue;
    (c.outcome == Outcome::kFail ? s.scenarios_failed : s.scenarios_errored)++;
    s.lines.push_back(absl::StrCat(c.outcome == Outcome::kFail ? "FAIL " : "ERROR ", c.name, ": ",
                                   c.message, "\n  reproduce: ", c.record->reproduce));
  }
  s.explorations = merged.explorations.size();
  for (const Exploration& x : merged.explorations) {
    s.states_checked += x.states_checked;
    if (x.outcome == Outcome::kError) s.lines.push_back(absl::StrCat("ERROR ", x.label, ": ", x.message));
  }
  s.fuzzings = merged.fuzzings.size();
  for (const FuzzCampaign& c : merged.fuzzings) {
    s.executions += c.record->executions;
    if (c.outcome == Outcome::kError) s.lines.push_back(absl::StrCat("ERROR fuzz ", c.label, ": ", c.message));
  }
  for (const MergedFinding& f : merged.findings) {
    if (f.known) {
      ++s.known_findings;
      continue;
    }
    ++s.findings;
    const std::string cmd = FindingCommand(f);
    const std::string count = f.fuzz ? absl::StrCat(f.inputs, " inputs, fuzz ")
                                     : absl::StrCat(f.states.size(), " states, ");
    s.lines.push_back(absl::StrCat("FINDING ", f.signature, " (", count, f.exploration,
                                   ")\n  reproduce: ",
                                   cmd.empty() ? "(no reproducer was written)" : cmd));
  }
  s.problems = merged.problems();
  return s;
}

}  // namespace flashfault::report
