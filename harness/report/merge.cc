// Merging scenario runs, exploration shards and findings; see merge.h.
#include "harness/report/merge.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "harness/campaign/crash_states.h"

namespace flashfault::report {
namespace {

constexpr size_t kExcerptLines = 60;  // of a kernel log, in a failure text

// States in the order of a simpler reproducer first: the earlier cut, then
// the plainer variant (findings.cc's order), then the id; ids that are no
// crash state (the "teardown" finding) last.
std::tuple<int, uint64_t, int, std::string> StateKey(const std::string& id) {
  absl::StatusOr<campaign::CrashState> s = campaign::ParseCrashStateId(id);
  if (!s.ok()) return {1, 0, 0, id};
  return {0, s->op, static_cast<int>(s->variant), id};
}

// "i/N" -> (i, N); (0, 0) when it is not one.
std::pair<uint64_t, uint64_t> ParseShard(const std::string& shard) {
  std::vector<std::string> parts = absl::StrSplit(shard, '/');
  uint64_t i = 0, n = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &i) || !absl::SimpleAtoi(parts[1], &n)) {
    return {0, 0};
  }
  return {i, n};
}

void AppendExcerpt(std::string& text, const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  absl::StrAppend(&text, "\nkernel log excerpt:\n");
  const size_t skip = lines.size() > kExcerptLines ? lines.size() - kExcerptLines : 0;
  if (skip > 0) absl::StrAppend(&text, "  (", skip, " earlier lines left out)\n");
  for (size_t i = skip; i < lines.size(); ++i) absl::StrAppend(&text, "  ", lines[i], "\n");
}

ScenarioCase MakeCase(const ScenarioRecord& r) {
  ScenarioCase c;
  c.record = &r;
  c.outcome = r.verdict == "pass" ? Outcome::kPass : r.verdict == "fail" ? Outcome::kFail : Outcome::kError;
  std::string failed_checks;
  size_t failed = 0;
  for (const CheckRecord& k : r.checks) {
    if (k.pass) continue;
    ++failed;
    absl::StrAppend(&failed_checks, "  ", k.name, ": expected ", k.expected, ", got ", k.actual, "\n");
    if (failed == 1) {
      c.message = absl::StrCat(k.name, ": expected ", k.expected, ", got ", k.actual);
    }
  }
  if (c.outcome == Outcome::kFail) {
    c.message = absl::StrCat(failed, " of ", r.checks.size(), " checks failed, first ", c.message);
  } else if (c.outcome == Outcome::kError) {
    c.message = absl::StrCat("the run could not judge the scenario: ", r.error);
  }
  c.details = absl::StrCat("reproduce: ", r.reproduce, "\nresults: ", r.file, "\n");
  if (!failed_checks.empty()) absl::StrAppend(&c.details, "failed checks:\n", failed_checks);
  if (!r.first_fail.empty()) absl::StrAppend(&c.details, "guest: ", r.first_fail, "\n");
  if (c.outcome != Outcome::kPass) AppendExcerpt(c.details, r.kernel_excerpt);
  return c;
}

// Repeated scenarios (the same scenario in two directories) get their seed,
// then a number, so every case has its own name.
void NameCases(std::vector<ScenarioCase>& cases) {
  std::map<std::string, size_t> count;
  for (const ScenarioCase& c : cases) ++count[c.record->scenario];
  std::set<std::string> used;
  for (ScenarioCase& c : cases) {
    std::string name = c.record->scenario;
    if (count[name] > 1) name = absl::StrCat(name, " (seed ", c.record->seed, ")");
    std::string unique = name;
    for (int k = 2; !used.insert(unique).second; ++k) unique = absl::StrCat(name, " #", k);
    c.name = unique;
  }
}

std::string ExplorationKey(const ExploreRecord& e) {
  return absl::StrCat(e.workload, "\n", e.fs, "\n", e.geometry, "\n", e.mode, "\n", e.inside, "\n",
                      e.seed, "\n", ParseShard(e.shard).second);
}

// Groups shards of the same exploration; a shard index seen twice starts a
// new group (the same work run again is reported again).
std::vector<Exploration> GroupExplorations(const ResultSet& set) {
  std::vector<Exploration> out;
  std::vector<std::string> keys;
  for (const ExploreRecord& e : set.explorations) {
    const std::string key = ExplorationKey(e);
    Exploration* group = nullptr;
    for (size_t g = 0; g < out.size() && group == nullptr; ++g) {
      if (keys[g] != key) continue;
      const bool taken = std::any_of(out[g].shards.begin(), out[g].shards.end(),
                                     [&](const ExploreRecord* s) { return s->shard == e.shard; });
      if (!taken) group = &out[g];
    }
    if (group == nullptr) {
      keys.push_back(key);
      group = &out.emplace_back();
    }
    group->shards.push_back(&e);
  }
  for (Exploration& x : out) {
    std::sort(x.shards.begin(), x.shards.end(), [](const ExploreRecord* a, const ExploreRecord* b) {
      return ParseShard(a->shard) < ParseShard(b->shard);
    });
    const ExploreRecord& first = *x.shards.front();
    x.label = absl::StrCat(first.workload, " on ", first.fs, " (", first.geometry, "), ", first.mode,
                           ", inside ", first.inside, ", seed ", first.seed);
    x.name = absl::StrCat("explore ", first.workload, " ", first.fs, " ", first.mode, " seed ",
                          first.seed);
    x.reproduce = first.reproduce;
    const uint64_t n = ParseShard(first.shard).second;
    std::set<uint64_t> have;
    for (const ExploreRecord* s : x.shards) have.insert(ParseShard(s->shard).first);
    for (uint64_t i = 1; n > 1 && i <= n; ++i) {
      if (!have.count(i)) x.missing_shards.push_back(absl::StrCat(i, "/", n));
    }
    double seconds = 0;
    for (const ExploreRecord* s : x.shards) {
      x.states_checked += s->states_checked;
      x.states_failed += s->states_failed;
      x.budget_ran_out = x.budget_ran_out || s->budget_ran_out;
      if (s->states_per_minute > 0) seconds += s->states_checked * 60.0 / s->states_per_minute;
      if (s->verdict == "error" && x.outcome != Outcome::kError) {
        x.outcome = Outcome::kError;
        x.message = absl::StrCat("shard ", s->shard, " failed: ", s->error);
      } else if (!s->findings.empty() && x.outcome == Outcome::kPass) {
        x.outcome = Outcome::kFail;
      }
    }
    x.states_per_minute = seconds > 0 ? x.states_checked * 60.0 / seconds : 0;
    if (x.outcome == Outcome::kFail) x.message = absl::StrCat(x.states_failed, " failing crash states");
  }
  return out;
}

// When `signature` was first seen in shard `e`: its first failing state with
// that signature, by the time the checks reached it.
std::string FirstSeenNote(const ExploreRecord& e, const std::string& signature) {
  const StateRecord* first = nullptr;
  for (const StateRecord& s : e.states) {
    if (!s.failed || s.signature != signature || !s.at_s) continue;
    if (first == nullptr || *s.at_s < *first->at_s) first = &s;
  }
  if (first == nullptr) return "";
  return absl::StrFormat("state %s, %.1f s into the checks%s", first->id, *first->at_s,
                         e.shard == "1/1" ? "" : absl::StrCat(" (shard ", e.shard, ")"));
}

// Unites the findings of an exploration's shards by signature.
void MergeFindings(const Exploration& x, std::vector<MergedFinding>& out) {
  std::map<std::string, size_t> by_signature;
  const size_t start = out.size();
  for (const ExploreRecord* shard : x.shards) {
    for (const FindingRecord& f : shard->findings) {
      auto [it, fresh] = by_signature.emplace(f.signature, out.size());
      if (fresh) {
        MergedFinding m;
        m.signature = f.signature;
        m.signature_id = f.signature_id;
        m.exploration = x.label;
        m.smallest_state = f.smallest_state;
        out.push_back(std::move(m));
      }
      MergedFinding& m = out[it->second];
      m.states.insert(m.states.end(), f.states.begin(), f.states.end());
      m.sources.push_back(shard->file);
      const bool smaller = StateKey(f.smallest_state) <= StateKey(m.smallest_state);
      if (fresh || smaller) {
        m.smallest_state = f.smallest_state;
        m.failed = f.failed;
        m.words = f.words;
        m.kernel_log = f.kernel_log;
        m.reproducer = f.reproducer;
        m.replay = f.replay;
      }
      if (m.first_seen.empty() || (!shard->started_at.empty() && shard->started_at < m.first_seen)) {
        m.first_seen = shard->started_at;
        m.first_seen_note = FirstSeenNote(*shard, f.signature);
      }
    }
  }
  for (size_t i = start; i < out.size(); ++i) {
    std::vector<std::string>& s = out[i].states;
    std::sort(s.begin(), s.end(), [](const std::string& a, const std::string& b) {
      return StateKey(a) < StateKey(b);
    });
    s.erase(std::unique(s.begin(), s.end()), s.end());
  }
}

FuzzCampaign MakeFuzzCampaign(const FuzzRecord& r) {
  FuzzCampaign c;
  c.record = &r;
  c.label = absl::StrCat(r.workload, " on ", r.fs, " (", r.preset, "), ", r.feedback,
                         " feedback, seed ", r.seed);
  c.name = absl::StrCat("fuzz ", r.workload, " ", r.fs, " ", r.feedback, " seed ", r.seed);
  const size_t fresh = std::count_if(r.findings.begin(), r.findings.end(),
                                     [](const FuzzFindingRecord& f) { return !f.known; });
  if (!r.error.empty()) {
    c.outcome = Outcome::kError;
    c.message = absl::StrCat("the campaign failed: ", r.error);
  } else if (fresh > 0) {
    c.outcome = Outcome::kFail;
    c.message = absl::StrCat(fresh, " new finding(s)");
  }
  return c;
}

// A campaign's findings as they are: the campaign grouped them by
// signature; first seen is its start and the time into it.
void AddFuzzFindings(const FuzzCampaign& c, std::vector<MergedFinding>& out) {
  for (const FuzzFindingRecord& f : c.record->findings) {
    MergedFinding m;
    m.signature = f.signature;
    m.signature_id = f.signature_id;
    m.failed = f.failed;
    m.words = f.words;
    m.exploration = c.label;
    m.fuzz = true;
    m.inputs = f.inputs;
    m.known = f.known;
    m.kernel_log = f.kernel_log;
    m.reproducer = f.reproducer;
    m.replay = f.replay;
    m.first_seen = c.record->started_at;
    m.first_seen_note = absl::StrFormat("%.1f s into the fuzzing", f.first_seen_s);
    m.sources.push_back(c.record->file);
    out.push_back(std::move(m));
  }
}

}  // namespace

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kPass: return "pass";
    case Outcome::kFail: return "fail";
    case Outcome::kError: return "error";
  }
  return "?";
}

size_t MergedReport::problems() const {
  size_t n = findings.size();
  for (const ScenarioCase& c : scenarios) n += c.outcome != Outcome::kPass;
  for (const Exploration& x : explorations) n += x.outcome == Outcome::kError;
  for (const FuzzCampaign& c : fuzzings) n += c.outcome == Outcome::kError;
  for (const MergedFinding& f : findings) n -= f.known;
  return n;
}

std::string FindingCommand(const MergedFinding& f) {
  return !f.replay.empty() ? f.replay
         : !f.reproducer.empty() ? absl::StrCat("flashfault run ", f.reproducer)
                                 : std::string();
}

MergedReport Merge(const ResultSet& set) {
  MergedReport r;
  for (const ScenarioRecord& s : set.scenarios) r.scenarios.push_back(MakeCase(s));
  NameCases(r.scenarios);
  r.explorations = GroupExplorations(set);
  for (const Exploration& x : r.explorations) MergeFindings(x, r.findings);
  for (const FuzzRecord& f : set.fuzzings) r.fuzzings.push_back(MakeFuzzCampaign(f));
  for (const FuzzCampaign& c : r.fuzzings) AddFuzzFindings(c, r.findings);
  std::stable_sort(r.findings.begin(), r.findings.end(),
                   [](const MergedFinding& a, const MergedFinding& b) {
                     return a.first_seen < b.first_seen;
                   });
  return r;
}

}  // namespace flashfault::report
