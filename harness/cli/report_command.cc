// `flashfault report DIR... [--out DIR] [--json]`: flags, printing and exit
// codes over harness/report/ (which reads, merges and writes). Exit 0 all
// clear, 3 a scenario failed or could not be judged, a finding, or an
// exploration that failed to run; 2 bad input (the message names the file
// and JSON path); 1 the report could not be written. Must not: read or
// judge results itself.
#include <cstdio>
#include <string>
#include <vector>

#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"
#include "harness/report/report_files.h"
#include "nlohmann/json.hpp"

namespace flashfault::cli {
namespace {

int Run(std::span<char* const> args) {
  std::vector<std::string> dirs;
  std::string out;
  bool json = false;
  ArgParser parser(
      "flashfault report DIR... [--out DIR] [--json]",
      "Merge the results of runs, explorations and fuzzing (any number of `flashfault run`, "
      "`flashfault explore`, `flashfault fuzz` and `flashfault nightly` --out directories, "
      "shards of one exploration included: their findings are united by signature) into "
      "junit.xml, for Jenkins, GitLab and GitHub as "
      "it is, and report.html, one self-contained page: the verdict, findings by signature "
      "with first-seen time and reproducer, every scenario with its failed checks and "
      "kernel-log excerpt, crash states per minute, each device's eraseblock map (erase "
      "counts, factory and grown bad blocks) and its ops and faults along the op sequence, "
      "fuzzing executions and coverage over time. "
      "Every results.json under each DIR is read. Written into --out (default: DIR when "
      "there is one). A fuzzing finding the campaign marked known (kept in the reproducer "
      "corpus) is shown and skipped in junit.xml, and fails nothing. Exit 0 nothing failed, "
      "3 a failed or unjudged scenario or a new finding, "
      "2 bad input (the message names the file and JSON path), 1 the report could not be "
      "written.",
      "  flashfault report results/\n"
      "  flashfault report shard-1/ shard-2/ shard-3/ --out merged/\n"
      "  flashfault report /tmp/all /tmp/explore --out /tmp/report --json | jq .findings");
  parser.SetPositional("DIR", 1, 1024, &dirs);
  parser.AddString("out", "DIR", "where junit.xml and report.html go (default: the one DIR)", &out);
  parser.AddBool("json", "print the summary as JSON on stdout", &json);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "report"); rc >= 0) return rc;
  if (out.empty()) {
    if (dirs.size() > 1) {
      std::fprintf(stderr, "flashfault report: several directories: say where the report goes "
                           "with --out DIR\n\n%s", parser.Help().c_str());
      return kExitUsage;
    }
    out = dirs[0];
  }

  const absl::StatusOr<report::ReportSummary> s = report::WriteReport(dirs, out);
  if (!s.ok()) {
    std::fprintf(stderr, "flashfault report: %s\n", std::string(s.status().message()).c_str());
    const bool input = absl::IsInvalidArgument(s.status()) || absl::IsNotFound(s.status());
    return input ? kExitUsage : kExitFailure;
  }
  const int rc = s->problems == 0 ? kExitOk : kExitFound;
  if (json) {
    const nlohmann::ordered_json j = {
        {"junit", s->junit},          {"html", s->html},
        {"scenarios", s->scenarios},  {"scenarios_failed", s->scenarios_failed},
        {"scenarios_errored", s->scenarios_errored},
        {"explorations", s->explorations}, {"states_checked", s->states_checked},
        {"fuzzings", s->fuzzings},    {"executions", s->executions},
        {"findings", s->findings},    {"known_findings", s->known_findings},
        {"problems", s->lines},
        {"exit_code", rc}};
    std::printf("%s\n", j.dump(2).c_str());
    return rc;
  }
  for (const std::string& line : s->lines) std::printf("%s\n", line.c_str());
  std::printf("report: %s\njunit:  %s\n", s->html.c_str(), s->junit.c_str());
  std::printf("VERDICT: %s - %zu scenario(s), %zu failed, %zu not judged; %zu exploration(s), "
              "%zu crash states; %zu fuzzing campaign(s), %zu executions; %zu new finding(s), "
              "%zu known\n",
              rc == kExitOk ? "PASS" : "FAIL", s->scenarios, s->scenarios_failed,
              s->scenarios_errored, s->explorations, s->states_checked, s->fuzzings,
              s->executions, s->findings, s->known_findings);
  return rc;
}

}  // namespace

int RunReport(std::span<char* const> args) { return Run(args); }

}  // namespace flashfault::cli
