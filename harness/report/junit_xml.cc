// Writing junit.xml; see junit_xml.h.
#include "harness/report/junit_xml.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/report/xml_text.h"

namespace flashfault::report {
namespace {

struct Suite {
  std::string cases;
  size_t tests = 0, failures = 0, errors = 0;
  double time = 0;
};

std::string Seconds(double s) { return absl::StrFormat("%.3f", s < 0 ? 0.0 : s); }

// One <testcase>; `kind` is "failure" or "error" (none for a pass).
void AddCase(Suite& suite, const std::string& classname, const std::string& name, double time,
             Outcome outcome, const std::string& type, const std::string& message,
             const std::string& text, const std::string& out) {
  ++suite.tests;
  suite.time += time;
  absl::StrAppend(&suite.cases, "    <testcase classname=\"", XmlEscape(classname, true),
                  "\" name=\"", XmlEscape(name, true), "\" time=\"", Seconds(time), "\">\n");
  if (outcome != Outcome::kPass) {
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
                      s.failures, "\" errors=\"", s.errors, "\" skipped=\"0\" time=\"",
                      Seconds(s.time), "\">\n", s.cases, "  </testsuite>\n");
}

}  // namespace

std::string JunitXml(const MergedReport& report) {
  Suite run, explore;
  for (const ScenarioCase& c : report.scenarios) {
    const ScenarioRecord& r = *c.record;
    AddCase(run, "flashfault.run", c.name, r.wall_seconds, c.outcome,
            c.outcome == Outcome::kFail ? "regression" : "rig", c.message, c.details,
            c.outcome == Outcome::kPass ? absl::StrCat("reproduce: ", r.reproduce, "\n") : "");
  }
  for (const Exploration& x : report.explorations) {
    // One class per exploration, so findings of two explorations never share a name.
    std::string classname = absl::StrCat("flashfault.", x.name);
    for (char& ch : classname) ch = ch == ' ' ? '.' : ch;
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
      if (f.exploration != x.label) continue;
      std::string detail = absl::StrCat(
          f.words, "\nsignature: ", f.signature, " (", f.signature_id, ")\n", f.states.size(),
          " failing crash states, the simplest ", f.smallest_state, "\nreproduce: ",
          FindingCommand(f).empty() ? "(no reproducer was written)" : FindingCommand(f), "\n");
      if (!f.first_seen.empty() || !f.first_seen_note.empty()) {
        absl::StrAppend(&detail, "first seen: ", f.first_seen,
                        f.first_seen.empty() || f.first_seen_note.empty() ? "" : ", ",
                        f.first_seen_note, "\n");
      }
      detail += "\nkernel log excerpt:\n";
      for (const std::string& l : f.kernel_log) absl::StrAppend(&detail, "  ", l, "\n");
      AddCase(explore, classname, f.signature, 0, Outcome::kFail, "finding", f.words, detail, "");
    }
  }
  std::string out = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"flashfault\" tests=\"",
      run.tests + explore.tests, "\" failures=\"", run.failures + explore.failures, "\" errors=\"",
      run.errors + explore.errors, "\" time=\"", Seconds(run.time + explore.time), "\">\n");
  if (run.tests > 0) out += SuiteXml("flashfault run", run);
  if (explore.tests > 0) out += SuiteXml("flashfault explore", explore);
  out += "</testsuites>\n";
  return out;
}

}  // namespace flashfault::report
