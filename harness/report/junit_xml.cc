// Writing junit.xml; see junit_xml.h.
#include "harness/report/junit_xml.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/report/xml_text.h"

namespace flashfault::report {
namespace {

struct Suite {
  std::string cases;
  size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  double time = 0;
};

std::string Seconds(double s) { return absl::StrFormat("%.3f", s < 0 ? 0.0 : s); }

// One <testcase>: a <failure> or an <error> for those outcomes, or
// <skipped> for a `known` finding (CI shows it, and it fails nothing).
void AddCase(Suite& suite, const std::string& classname, const std::string& name, double time,
             Outcome outcome, const std::string& type, const std::string& message,
             const std::string& text, const std::string& out, bool known = false) {
  ++suite.tests;
  suite.time += time;
  absl::StrAppend(&suite.cases, "    <testcase classname=\"", XmlEscape(classname, true),
                  "\" name=\"", XmlEscape(name, true), "\" time=\"", Seconds(time), "\">\n");
  if (known) {
    ++suite.skipped;
    absl::StrAppend(&suite.cases, "      <skipped message=\"", XmlEscape(message, true), "\">",
                    XmlEscape(text), "</skipped>\n");
  } else if (outcome != Outcome::kPass) {
    const char* tag = outcome == Outcome::kFail ? "failure" : "error";
    (outcome == Outcome::kFail ? suite.failures : suite.errors)++;
    absl::StrAppend(&suite.cases, "      <", tag, " message=\"", XmlEscape(message, true),
                    "\" type=\"", XmlEscape(type, true), "\">", XmlEscape(text), "</", tag, ">\n");
  }
  if (!out.empty()) {
    absl::StrAppend(&suite.cases, "      <system-out>", XmlEscape(out), "</system-out>\n");
  }
  absl::StrAppend(&suite.cases, "    </testcase>\n");
}

std::string SuiteXml(const char* name, const Suite& s) {
  return absl::StrCat("  <testsuite name=\"", name, "\" tests=\"", s.tests, "\" failures=\"",
                      s.failures, "\" errors=\"", s.errors, "\" skipped=\"", s.skipped, "\" time=\"",
                      Seconds(s.time), "\">\n", s.cases, "  </testsuite>\n");
}

// A class name from a campaign's name: dots instead of spaces.
std::string ClassName(const std::string& name) {
  std::string c = absl::StrCat("flashfault.", name);
  for (char& ch : c) ch = ch == ' ' ? '.' : ch;
  return c;
}

std::string KernelLogText(const MergedFinding& f) {
  std::string text = "\nkernel log excerpt:\n";
  for (const std::string& l : f.kernel_log) absl::StrAppend(&text, "  ", l, "\n");
  return text;
}

// Each campaign is a case (it passes when it ran), each of its findings a
// case that fails, or is skipped when the reproducer corpus already has it.
void AddFuzzCases(const MergedReport& report, Suite& suite) {
  for (const FuzzCampaign& c : report.fuzzings) {
    const FuzzRecord& r = *c.record;
    const std::string classname = ClassName(c.name);
    std::string text = absl::StrFormat(
        "%s\n%u executions (%u ran the workload), %.1f a minute (all guests), %u KCOV edges, %u "
        "features, %u job(s)\nreproduce: %s\nresults: %s\n",
        c.label, r.executions, r.executions_with_workload, r.per_minute, r.kcov_edges, r.features,
        r.jobs, r.reproduce, r.file);
    const Outcome ran = c.outcome == Outcome::kError ? Outcome::kError : Outcome::kPass;
    AddCase(suite, classname, c.name, r.wall_seconds, ran, "rig", c.message, text,
            ran == Outcome::kPass ? text : "");
    for (const MergedFinding& f : report.findings) {
      if (!f.fuzz || f.exploration != c.label) continue;
      const std::string command = FindingCommand(f);
      std::string detail = absl::StrCat(
          f.words, "\nsignature: ", f.signature, " (", f.signature_id, ")\n", f.inputs,
          " failing input(s) kept\nreproduce: ",
          command.empty() ? "(no reproducer was written)" : command, "\nfirst seen: ",
          f.first_seen, ", ", f.first_seen_note, "\n", KernelLogText(f));
      const std::string message =
          f.known ? absl::StrCat("known: kept in the reproducer corpus as ", f.signature_id) : f.words;
      AddCase(suite, classname, f.signature, 0, Outcome::kFail, "finding", message, detail, "",
              f.known);
    }
  }
}

}  // namespace

std::string JunitXml(const MergedReport& report) {
  Suite run, explore, fuzz;
  for (const ScenarioCase& c : report.scenarios) {
    const ScenarioRecord& r = *c.record;
    AddCase(run, "flashfault.run", c.name, r.wall_seconds, c.outcome,
            c.outcome == Outcome::kFail ? "regression" : "rig", c.message, c.details,
            c.outcome == Outcome::kPass ? absl::StrCat("reproduce: ", r.reproduce, "\n") : "");
  }
  for (const Exploration& x : report.explorations) {
    // One class per exploration, so findings of two explorations never share a name.
    const std::string classname = ClassName(x.name);
    double wall = 0;
    std::string shards;
    for (const ExploreRecord* s : x.shards) {
      wall += s->wall_seconds;
      absl::StrAppend(&shards, "  shard ", s->shard, ": ", s->states_checked, " states, ",
                      s->verdict, " (", s->file, ")\n");
    }
    std::string text = absl::StrCat(x.label, "\n", x.states_checked, " crash states checked, ",
                                    x.states_failed, " failed\nreproduce: ", x.reproduce, "\n", shards);
    if (!x.missing_shards.empty()) {
      absl::StrAppend(&text, "shards missing from this report:");
      for (const std::string& m : x.missing_shards) absl::StrAppend(&text, " ", m);
      absl::StrAppend(&text, "\n");
    }
    // The exploration itself passes when it ran (its findings are cases of their own).
    const Outcome ran = x.outcome == Outcome::kError ? Outcome::kError : Outcome::kPass;
    AddCase(explore, classname, x.name, wall, ran, "rig", x.message, text,
            ran == Outcome::kPass ? text : "");
    for (const MergedFinding& f : report.findings) {
      if (f.fuzz || f.exploration != x.label) continue;
      std::string detail = absl::StrCat(
          f.words, "\nsignature: ", f.signature, " (", f.signature_id, ")\n", f.states.size(),
          " failing crash states, the simplest ", f.smallest_state, "\nreproduce: ",
          FindingCommand(f).empty() ? "(no reproducer was written)" : FindingCommand(f), "\n");
      if (!f.first_seen.empty() || !f.first_seen_note.empty()) {
        absl::StrAppend(&detail, "first seen: ", f.first_seen,
                        f.first_seen.empty() || f.first_seen_note.empty() ? "" : ", ",
                        f.first_seen_note, "\n");
      }
      detail += KernelLogText(f);
      AddCase(explore, classname, f.signature, 0, Outcome::kFail, "finding", f.words, detail, "");
    }
  }
  AddFuzzCases(report, fuzz);
  size_t tests = 0, failures = 0, errors = 0;
  double time = 0;
  for (const Suite* s : {&run, &explore, &fuzz}) {
    tests += s->tests;
    failures += s->failures;
    errors += s->errors;
    time += s->time;
  }
  std::string out = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"flashfault\" tests=\"",
      tests, "\" failures=\"", failures, "\" errors=\"", errors, "\" time=\"", Seconds(time),
      "\">\n");
  if (run.tests > 0) out += SuiteXml("flashfault run", run);
  if (explore.tests > 0) out += SuiteXml("flashfault explore", explore);
  if (fuzz.tests > 0) out += SuiteXml("flashfault fuzz", fuzz);
  out += "</testsuites>\n";
  return out;
}

}  // namespace flashfault::report
