// Merging results into what a report shows: one case per scenario run, the
// shards of each exploration united, one case per fuzzing campaign, and the
// findings of every exploration grouped by signature across shards and
// runs -- the same groups, states and smallest state one unsharded run of
// the same work would have had -- beside those of every fuzzing campaign
// (grouped by signature by the campaign itself).
//
// The writers (junit_xml.h, html_report.h) render a MergedReport and decide
// nothing themselves. Must not: read files (result_loader.h did), or judge
// anything the results do not say (a verdict is the run's own).
#pragma once

#include <string>
#include <vector>

#include "harness/report/records.h"

namespace flashfault::report {

enum class Outcome { kPass, kFail, kError };
const char* OutcomeName(Outcome o);  // "pass", "fail", "error"

// One scenario run: a JUnit test case and a row of the scenario table.
struct ScenarioCase {
  const ScenarioRecord* record = nullptr;
  std::string name;     // unique in the report (a repeated scenario gets its seed, then #N)
  Outcome outcome = Outcome::kPass;
  std::string message;  // one line: what failed
  std::string details;  // the reproduce command, the failed checks, the kernel-log excerpt
};

// The shards of one exploration (the same workload, fs, geometry, mode,
// inside and seed), united.
struct Exploration {
  std::string label;    // "planted-unsynced on ubifs (slc-2k-64m), every:4, inside none, seed 1"
  std::string name;     // for JUnit: "explore planted-unsynced ubifs every:4 seed 1"
  std::vector<const ExploreRecord*> shards;  // sorted by shard index
  std::vector<std::string> missing_shards;   // "3/4" when only some of N came
  uint64_t states_checked = 0, states_failed = 0;
  double states_per_minute = 0;  // over all shards: states / the longest shard's checks
  bool budget_ran_out = false;
  Outcome outcome = Outcome::kPass;  // kFail: findings; kError: a shard errored
  std::string message;
  std::string reproduce;  // of the first shard
};

// One fuzzing campaign (`flashfault fuzz`): a JUnit test case of its own
// (an error when it could not run), its findings cases beside it.
struct FuzzCampaign {
  const FuzzRecord* record = nullptr;
  std::string label;  // "mix on ubifs (slc-2k-16m), kcov feedback, seed 3"
  std::string name;   // for JUnit: "fuzz mix ubifs kcov seed 3"
  Outcome outcome = Outcome::kPass;  // kFail: new findings; kError: it could not run
  std::string message;
};

// One signature: every failing state with it, in every exploration; or a
// fuzzing campaign's finding (no states: failing inputs instead).
struct MergedFinding {
  std::string signature, signature_id, failed, words;
  std::string exploration;              // Exploration::label or FuzzCampaign::label
  bool fuzz = false;                    // found by a fuzzing campaign
  uint64_t inputs = 0;                  // fuzz: failing inputs kept for it
  // fuzz: already kept in the reproducer corpus (the campaign said so). A
  // known finding that comes back is shown, but is no problem of the night.
  bool known = false;
  std::vector<std::string> states;      // united, by op then variant
  std::string smallest_state;           // the simplest reproducer over all shards
  std::string reproducer, replay;       // from the shard that had the smallest state
  std::vector<std::string> kernel_log;  // the smallest state's
  std::string first_seen;               // the started_at of the earliest run with it ("" unknown)
  std::string first_seen_note;          // "state op4122, 12.3 s into the checks (shard 1/2)"
  std::vector<std::string> sources;     // the results files that list it
};

struct MergedReport {
  std::vector<ScenarioCase> scenarios;
  std::vector<Exploration> explorations;
  std::vector<FuzzCampaign> fuzzings;
  std::vector<MergedFinding> findings;
  // Scenarios that failed or errored, explorations and fuzzing campaigns
  // that errored, findings not known before.
  size_t problems() const;
};

// The report of `set` (which must outlive it: cases point into it).
MergedReport Merge(const ResultSet& set);

// The one-line command that replays a finding ("flashfault run ...").
std::string FindingCommand(const MergedFinding& f);

}  // namespace flashfault::report
