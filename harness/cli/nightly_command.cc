// `flashfault nightly --budget 30m --out DIR`: one command for the pipeline
// that runs every night. A schedule over `run`, `explore` and `fuzz` (called
// in-process with the flags a user would give them) and `report`, the
// budget split as nightly_plan.h says:
//   1. the regression corpus (nightly_plan.h): every scenario, every kept
//      reproducer, each expected to keep its recorded verdict, a few per
//      guest boot, boots started while kRegressionShare of the budget is left;
//   2. power-cut exploration with its share of the rest;
//   3. kernel fault fuzzing with what is left after it;
//   4. junit.xml and report.html over everything (report_files.h), and
//      DIR/nightly.json: what ran, what was skipped for time, what changed.
// Exit 0 nothing new, 3 a regression or a new finding (one whose signature
// is not kept in the corpus's reproducers/), 1 the tool failed, 2 bad input.
// Must not: judge a scenario or a state itself (run and explore do), or
// write outside DIR.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/input_file.h"
#include "common/json_load.h"
#include "harness/campaign/crash_states.h"
#include "harness/campaign/duration.h"
#include "harness/campaign/nightly/nightly_plan.h"
#include "harness/campaign/oracle/builtin_workloads.h"
#include "harness/campaign/progress.h"
#include "harness/campaign/rig.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"
#include "harness/cli/rig_flags.h"
#include "harness/report/report_files.h"
#include "nlohmann/json.hpp"

namespace flashfault::cli {
namespace {

namespace fs = std::filesystem;
using campaign::NightlyPlan;
using ojson = nlohmann::ordered_json;

void Progress(const std::string& msg) { campaign::ProgressPrinter::Stderr().Line("[nightly]", msg); }

struct NightlyFlags {
  std::string budget, shard = "1/1", corpus, out, seed_text;
  std::string workload = "mix", fs = "ubifs", mode = "sample:200";
  std::string fuzz_corpus;
  uint64_t jobs = 1, fuzz_runs = 0;
  bool no_fuzz = false;
  RigFlags rig;
};

// Today's date as YYYYMMDD (UTC): a new seed each night, logged, and given
// back by --seed to replay the same night.
uint64_t DateSeed() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return static_cast<uint64_t>((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
}

std::optional<uint64_t> ParseUnsigned(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno != 0) return std::nullopt;
  return v;
}

// Calls a subcommand in-process with `args` (args[0] its name).
int Call(CommandFn fn, std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return fn(argv);
}

std::vector<std::string> RigArgs(const NightlyFlags& f) {
  std::vector<std::string> a;
  if (!f.rig.kernel.empty()) a.insert(a.end(), {"--kernel", f.rig.kernel});
  if (!f.rig.muse_ko.empty()) a.insert(a.end(), {"--muse-ko", f.rig.muse_ko});
  return a;
}

// What became of one regression item.
struct ItemResult {
  std::string status = "skipped";  // kept, regression, error, skipped
  std::string verdict;             // what the run said ("" when not run)
  std::string results;             // its results.json
};

// A results.json a run or an exploration wrote, as an object; nullopt when
// it is missing or not one (the run could not write it).
std::optional<nlohmann::json> ReadResults(const fs::path& file) {
  absl::StatusOr<std::string> text = ReadInputFile(file.string());
  if (!text.ok()) return std::nullopt;
  absl::StatusOr<nlohmann::json> j = ParseJsonText(*text, file.string());
  if (!j.ok() || !j->is_object()) return std::nullopt;
  return *std::move(j);
}

// The verdict in `results` ("" when there is none to read).
std::string VerdictOf(const fs::path& results) {
  std::optional<nlohmann::json> j = ReadResults(results);
  if (!j || !(*j)["verdict"].is_string()) return "";
  return (*j)["verdict"].get<std::string>();
}

class Nightly {
 public:
  Nightly(NightlyFlags f, NightlyPlan plan, fs::path out)
      : f_(std::move(f)), plan_(std::move(plan)), out_(std::move(out)),
        results_(plan_.regression.size()), start_(std::chrono::steady_clock::now()) {}

  int Run() {
    Regression();
    Explore();
    Fuzz();
    return Finish();
  }

 private:
  uint64_t Elapsed() const {
    return static_cast<uint64_t>(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

  // Boots are taken in order by --jobs workers; a boot not started while
  // the regression share of the budget lasts leaves its items "skipped".
  void Regression() {
    Progress(absl::StrCat("regression 0/", plan_.regression.size(), " scenarios"));
    size_t next = 0;
    std::mutex mu;
    auto worker = [&] {
      for (;;) {
        size_t b;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (next == plan_.boots.size() || !campaign::RegressionMayStart(plan_, Elapsed())) return;
          b = next++;
        }
        RunBoot(b);
      }
    };
    std::vector<std::thread> workers;
    for (uint64_t j = 1; j < f_.jobs; ++j) workers.emplace_back(worker);
    worker();
    for (std::thread& t : workers) t.join();
  }

  void RunBoot(size_t b) {
    const std::vector<size_t>& items = plan_.boots[b];
    const fs::path dir = out_ / "regression" / absl::StrCat("boot-", b + 1);
    Progress(absl::StrCat("regression boot ", b + 1, "/", plan_.boots.size(), ": ", items.size(),
                          " scenario(s), ", Elapsed(), " s in"));
    std::vector<std::string> args = {"run"};
    for (size_t i : items) args.push_back(plan_.regression[i].file);
    // One scenario writes into --out itself, several into --out/NAME: the
    // same DIR/NAME/results.json either way.
    const fs::path run_out = items.size() == 1 ? dir / plan_.regression[items[0]].name : dir;
    args.insert(args.end(), {"--out", run_out.string()});
    for (const std::string& a : RigArgs(f_)) args.push_back(a);
    (void)Call(RunRun, args);  // the verdicts are read back from results.json
    const size_t done = (items_done_ += items.size());
    Progress(absl::StrCat("regression ", done, "/", plan_.regression.size(), " scenarios"));
    for (size_t i : items) {
      ItemResult& r = results_[i];
      r.results = (dir / plan_.regression[i].name / "results.json").string();
      r.verdict = VerdictOf(r.results);
      r.status = r.verdict == plan_.regression[i].expected ? "kept"
                 : r.verdict == "error" || r.verdict.empty() ? "error"
                                                             : "regression";
    }
  }

  void Explore() {
    const std::optional<uint64_t> budget = campaign::ExploreBudget(plan_, Elapsed());
    if (!budget) {
      explore_ = {{"status", "skipped"},
                  {"why", absl::StrCat("less than ", campaign::kMinExploreSeconds,
                                       " s of the budget left")}};
      Progress("exploration skipped: the budget is spent");
      return;
    }
    const fs::path dir = out_ / "explore";
    std::vector<std::string> args = {"explore", f_.workload, "--fs", f_.fs, "--mode", f_.mode,
                                     "--seed", absl::StrCat(plan_.seed), "--shard", f_.shard,
                                     "--out", dir.string()};
    if (*budget != 0) args.insert(args.end(), {"--budget", absl::StrCat(*budget, "s")});
    for (const std::string& a : RigArgs(f_)) args.push_back(a);
    Progress(absl::StrCat("exploration of ", f_.workload, " on ", f_.fs, ", budget ",
                          *budget == 0 ? "none" : absl::StrCat(*budget, " s")));
    const int rc = Call(RunExplore, args);
    explore_ = Stage(rc, dir / "results.json");
  }

  // Kernel fault fuzzing: each shard with its own seed (the shards together
  // fuzz N times as long; fuzzing is not split like a list of states).
  void Fuzz() {
    if (!plan_.fuzz) {
      fuzz_ = {{"status", "skipped"}, {"why", "--no-fuzz"}};
      return;
    }
    const std::optional<uint64_t> budget = campaign::FuzzBudget(plan_, Elapsed());
    if (!budget) {
      fuzz_ = {{"status", "skipped"},
               {"why", absl::StrCat("less than ", campaign::kMinFuzzSeconds, " s of the budget left")}};
      Progress("fuzzing skipped: the budget is spent");
      return;
    }
    const fs::path dir = out_ / "fuzz";
    const uint64_t seed = plan_.seed + plan_.shard.index - 1;
    std::vector<std::string> args = {
        "fuzz", "--fs", f_.fs, "--jobs", absl::StrCat(f_.jobs), "--budget", absl::StrCat(*budget, "s"),
        "--seed", absl::StrCat(seed), "--known", (plan_.corpus / "reproducers").string(),
        "--out", dir.string()};
    if (f_.fuzz_runs > 0) args.insert(args.end(), {"--runs", absl::StrCat(f_.fuzz_runs)});
    if (!f_.fuzz_corpus.empty()) args.insert(args.end(), {"--corpus", f_.fuzz_corpus});
    for (const std::string& a : RigArgs(f_)) args.push_back(a);
    Progress(absl::StrCat("kernel fault fuzzing on ", f_.fs, ", seed ", seed, ", budget ", *budget,
                          " s", f_.fuzz_runs > 0 ? absl::StrCat(", at most ", f_.fuzz_runs, " inputs") : ""));
    fuzz_ = Stage(Call(RunFuzz, args), dir / "results.json");
  }

  // What a campaign stage did: its exit, its results file, and its findings
  // split into new and known (known: a folder under the corpus's reproducers/).
  ojson Stage(int rc, const fs::path& results) const {
    ojson stage = {{"status", rc == kExitFailure || rc == kExitUsage ? "error" : "ran"},
                   {"exit_code", rc}, {"results", results.string()}};
    ojson known = ojson::array(), fresh = ojson::array();
    std::optional<nlohmann::json> j = ReadResults(results);
    if (j && (*j)["findings"].is_array()) {
      for (const nlohmann::json& finding : (*j)["findings"]) {
        const std::string id = finding.value("signature_id", "");
        (plan_.known_signatures.count(id) ? known : fresh).push_back(id);
      }
    }
    stage["new_findings"] = fresh;
    stage["known_findings"] = known;
    return stage;
  }

  int Finish() {
    size_t kept = 0, regressions = 0, errors = 0, skipped = 0;
    ojson items = ojson::array();
    for (size_t i = 0; i < plan_.regression.size(); ++i) {
      const ItemResult& r = results_[i];
      kept += r.status == "kept";
      regressions += r.status == "regression";
      errors += r.status == "error";
      skipped += r.status == "skipped";
      items.push_back({{"file", plan_.regression[i].file}, {"name", plan_.regression[i].name},
                       {"expected", plan_.regression[i].expected}, {"verdict", r.verdict},
                       {"status", r.status}, {"results", r.results}});
    }
    size_t fresh = 0, known = 0;
    bool stage_failed = false;
    for (const ojson* stage : {&explore_, &fuzz_}) {
      if (stage->contains("new_findings")) fresh += (*stage)["new_findings"].size();
      if (stage->contains("known_findings")) known += (*stage)["known_findings"].size();
      stage_failed = stage_failed || stage->value("status", "") == "error";
    }
    const int rc = regressions + fresh > 0 ? kExitFound
                   : errors > 0 || stage_failed ? kExitFailure
                                                : kExitOk;
    ojson n = {{"command", "nightly"},
               {"seed", plan_.seed},
               {"shard", f_.shard},
               {"budget_seconds", plan_.budget_seconds},
               {"wall_seconds", Elapsed()},
               {"corpus", plan_.corpus.string()},
               {"corpus_items", plan_.corpus_items},
               {"regression", items},
               {"exploration", explore_},
               {"fuzzing", fuzz_},
               {"reproduce", Reproduce()},
               {"exit_code", rc}};
    if (absl::Status s = WriteFileAtomically((out_ / "nightly.json").string(), n.dump(2) + "\n");
        !s.ok()) {
      std::fprintf(stderr, "flashfault nightly: %s\n", std::string(s.message()).c_str());
      return kExitFailure;
    }
    const absl::StatusOr<report::ReportSummary> rep = report::WriteReport({out_.string()}, out_.string());
    if (rep.ok()) {
      std::printf("report: %s\njunit:  %s\n", rep->html.c_str(), rep->junit.c_str());
    } else {
      std::fprintf(stderr, "flashfault nightly: report: %s\n", std::string(rep.status().message()).c_str());
    }
    for (size_t i = 0; i < plan_.regression.size(); ++i) {
      if (results_[i].status == "regression" || results_[i].status == "error") {
        std::printf("%s: %s %s (expected %s) - %s\n", results_[i].status.c_str(),
                    plan_.regression[i].name.c_str(),
                    results_[i].verdict.empty() ? "no verdict" : results_[i].verdict.c_str(),
                    plan_.regression[i].expected.c_str(), results_[i].results.c_str());
      }
    }
    std::printf("VERDICT: %s - %zu of %zu corpus item(s) kept their verdict, %zu regression(s), "
                "%zu error(s), %zu skipped for time; exploration %s, fuzzing %s; %zu new "
                "finding(s), %zu known; seed %llu, %llu s\n",
                rc == kExitOk ? "PASS" : rc == kExitFound ? "FOUND" : "ERROR", kept,
                plan_.regression.size(), regressions, errors, skipped,
                explore_.value("status", "skipped").c_str(), fuzz_.value("status", "skipped").c_str(),
                fresh, known, static_cast<unsigned long long>(plan_.seed),
                static_cast<unsigned long long>(Elapsed()));
    return rep.ok() ? rc : std::max(rc, kExitFailure);
  }

  std::string Reproduce() const {
    std::string r = absl::StrCat("flashfault nightly --seed ", plan_.seed, " --shard ", f_.shard,
                                 " --corpus ", plan_.corpus.string(), " --workload ", f_.workload,
                                 " --fs ", f_.fs, " --mode ", f_.mode);
    if (!f_.budget.empty()) absl::StrAppend(&r, " --budget ", f_.budget);
    if (f_.no_fuzz) absl::StrAppend(&r, " --no-fuzz");
    if (f_.fuzz_runs > 0) absl::StrAppend(&r, " --fuzz-runs ", f_.fuzz_runs);
    if (!f_.fuzz_corpus.empty()) absl::StrAppend(&r, " --fuzz-corpus ", f_.fuzz_corpus);
    for (const std::string& a : RigArgs(f_)) absl::StrAppend(&r, " ", a);
    return absl::StrCat(r, " --out ", out_.string());
  }

  NightlyFlags f_;
  NightlyPlan plan_;
  fs::path out_;
  std::vector<ItemResult> results_;  // one per plan_.regression item
  std::atomic<size_t> items_done_{0};
  ojson explore_ = {{"status", "skipped"}, {"why", "not reached"}};
  ojson fuzz_ = {{"status", "skipped"}, {"why", "not reached"}};
  std::chrono::steady_clock::time_point start_;
};

int Usage(const std::string& why) {
  std::fprintf(stderr, "flashfault nightly: %s\n", why.c_str());
  return kExitUsage;
}

}  // namespace

int RunNightly(std::span<char* const> args) {
  NightlyFlags f;
  ArgParser parser(
      "flashfault nightly [--budget 30m] [--jobs N] [--shard i/N] [--seed N] [--corpus DIR]"
      " [--workload W] [--fs ubifs|jffs2] [--mode M] [--no-fuzz] [--fuzz-runs N]"
      " [--fuzz-corpus DIR] [--kernel K] [--muse-ko FILE] --out DIR",
      "The nightly robustness run: the regression corpus (every scenario under "
      "corpora/scenarios/, each expected to pass, and every reproducer kept under "
      "corpora/reproducers/ID/, each expected to keep its recorded verdict), a few scenarios "
      "per QEMU boot while 60% of the budget lasts; then power-cut exploration of WORKLOAD "
      "with half of the rest (all of it when the fuzzing would be left less than 180 s; "
      "skipped when less than 90 s remain); then kernel fault fuzzing (flashfault fuzz, "
      "--jobs guests) with what is left, less 90 s for minimising findings (skipped when "
      "less than 180 s remain; 10 minutes when there is no budget). Then junit.xml and "
      "report.html over everything in DIR, and DIR/nightly.json: each item's expected and "
      "actual verdict, what was skipped for time, the new and known findings of the "
      "exploration and the fuzzing (known: its signature has a folder under reproducers/). "
      "--shard i/N runs items i, i+N, ... of the corpus and shard i/N of the exploration; "
      "merging the shards with 'flashfault report' gives the unsharded run's report. Each "
      "shard fuzzes with its own seed (SEED + i - 1). The seed (default: today's date, "
      "YYYYMMDD) drives the exploration and the fuzzing; nightly.json names the command "
      "that replays the night. Exit 0 nothing new, 3 a regression or a new finding, 1 the "
      "tool failed, 2 bad input.",
      "  flashfault nightly --budget 30m --out nightly/\n"
      "  flashfault nightly --budget 2h --shard 2/4 --out shard-2/   # then: flashfault report "
      "shard-*/ --out all/\n"
      "  flashfault nightly --budget 10m --corpus my-corpus/ --workload basic-durability --out n/\n"
      "  flashfault nightly --budget 1h --fuzz-corpus ~/.cache/ff-fuzz-corpus --out n/   # the "
      "corpus grows night after night");
  parser.AddString("budget", "TIME", "wall-clock budget (30m, 90s, 2h; default none: run all)",
                   &f.budget);
  parser.AddUint("jobs", "N", "QEMU guests at once for the regression corpus and the fuzzing (default 1)", &f.jobs);
  parser.AddString("shard", "i/N", "run shard i of N of the corpus and the exploration", &f.shard);
  parser.AddString("seed", "N", "seed of the exploration and the fuzzing (default: today's date, YYYYMMDD)",
                   &f.seed_text);
  parser.AddString("corpus", "DIR", "the regression corpus (default: the repository's corpora/)",
                   &f.corpus);
  parser.AddString("workload", "W", "what to explore: a built-in or a workload file (default mix)",
                   &f.workload);
  parser.AddString("fs", "NAME", "the file system explored and fuzzed: ubifs (default) or jffs2", &f.fs);
  parser.AddString("mode", "M", "the exploration's --mode (default sample:200)", &f.mode);
  parser.AddBool("no-fuzz", "leave out the kernel fault fuzzing (its time goes to the exploration)",
                 &f.no_fuzz);
  parser.AddUint("fuzz-runs", "N", "stop the fuzzing after N inputs (default: its time decides)",
                 &f.fuzz_runs);
  parser.AddString("fuzz-corpus", "DIR",
                   "the fuzzing corpus to read and grow (default DIR/fuzz/corpus: keep one "
                   "across nights to build on them)",
                   &f.fuzz_corpus);
  parser.AddString("out", "DIR", "results, nightly.json, junit.xml and report.html", &f.out);
  AddRigFlags(parser, &f.rig);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "nightly"); rc >= 0) return rc;

  if (f.out.empty()) return Usage("--out DIR is required");
  const std::optional<uint64_t> budget = campaign::ParseDurationSeconds(f.budget);
  if (!budget) return Usage("--budget: expected seconds or a number with s, m or h, got '" + f.budget + "'");
  const absl::StatusOr<campaign::Shard> shard = campaign::ParseShard(f.shard);
  if (!shard.ok()) return Usage(absl::StrCat("--shard: ", shard.status().message()));
  if (f.jobs == 0 || f.jobs > 64) return Usage("--jobs: expected 1 to 64");
  uint64_t seed = DateSeed();
  if (!f.seed_text.empty()) {
    const std::optional<uint64_t> s = ParseUnsigned(f.seed_text);
    if (!s) return Usage("--seed: not an unsigned number: " + f.seed_text);
    seed = *s;
  }
  // Everything the user gave is checked before anything boots.
  if (f.fs != "ubifs" && f.fs != "jffs2") return Usage("--fs: expected ubifs or jffs2, got '" + f.fs + "'");
  if (absl::Status s = campaign::ParseSelection(f.mode, "none", f.shard).status(); !s.ok()) {
    return Usage(absl::StrCat("--mode: ", s.message()));
  }
  if (!fs::exists(f.workload) && !oracle::LoadBuiltinWorkload(f.workload, seed, 60).ok()) {
    return Usage("--workload: '" + f.workload + "' is neither a file nor a built-in workload "
                 "(flashfault workload list)");
  }
  absl::StatusOr<NightlyPlan> plan;
  if (!f.corpus.empty()) {
    plan = campaign::PlanNightly(f.corpus, *shard, *budget, seed);
    if (!plan.ok()) return Usage(std::string(plan.status().message()));
  }
  const absl::StatusOr<campaign::RigPaths> rig = campaign::LocateRig(f.rig.muse_ko, f.rig.kernel);
  if (absl::IsInvalidArgument(rig.status())) return Usage(std::string(rig.status().message()));
  if (!rig.ok()) {
    std::fprintf(stderr, "flashfault nightly: %s\n", std::string(rig.status().message()).c_str());
    return kExitFailure;
  }
  if (f.corpus.empty()) {
    f.corpus = (rig->root / "corpora").string();
    plan = campaign::PlanNightly(f.corpus, *shard, *budget, seed);
    if (!plan.ok()) return Usage(std::string(plan.status().message()));
  }
  std::error_code ec;
  fs::create_directories(f.out, ec);
  if (ec) {
    std::fprintf(stderr, "flashfault nightly: cannot create %s: %s\n", f.out.c_str(),
                 ec.message().c_str());
    return kExitFailure;
  }
  plan->fuzz = !f.no_fuzz;
  Progress(absl::StrCat("seed ", seed, ", shard ", f.shard, ": ", plan->regression.size(), " of ",
                        plan->corpus_items, " corpus item(s) in ", plan->boots.size(),
                        " boot(s), budget ", *budget == 0 ? "none" : f.budget));
  const fs::path out = f.out;
  Nightly night(std::move(f), std::move(*plan), out);
  return night.Run();
}

}  // namespace flashfault::cli
