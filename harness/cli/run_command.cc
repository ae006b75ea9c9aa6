// `flashfault run SCENARIO...`: flags and printing over the campaign
// runner (harness/campaign/runner.h). Validates every scenario first (exit
// 2), plans each job's results directory and reproduce command, runs them
// all in one guest boot, prints a summary and a VERDICT line per scenario
// (or the results as JSON). Exit 0 pass, 3 an expectation failed, 1 the rig
// or the tool failed. Must not: judge anything itself (verdict.h does), or
// write outside DIR.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/campaign/log_classifier.h"
#include "harness/campaign/progress.h"
#include "harness/campaign/runner.h"
#include "harness/campaign/scenario.h"
#include "harness/campaign/verdict.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"
#include "harness/cli/rig_flags.h"
#include "nlohmann/json.hpp"

namespace flashfault::cli {
namespace {

namespace fs = std::filesystem;
using campaign::Scenario;
using campaign::ScenarioJob;
using ojson = nlohmann::ordered_json;

void Progress(const std::string& msg) { campaign::ProgressPrinter::Stderr().Line("[run]", msg); }

struct RunFlags {
  std::string out, seed_text;
  RigFlags rig;
  bool json = false, verbose = false, check = false;
};

// One line per valid scenario for --check: what would run.
void PrintChecked(const Scenario& s) {
  std::string workload = s.workload.builtin.empty() ? "shell" : s.workload.builtin;
  std::printf("ok %s: %s (geometry %s, %zu fault(s), workload %s%s%s)\n", s.file.c_str(),
              s.name.c_str(), s.geometry.name.c_str(), s.script.plan.faults.size(),
              workload.c_str(), s.files.empty() ? "" : absl::StrCat(", ", s.files.size(), " file(s)").c_str(),
              s.image.path.empty() ? "" : absl::StrCat(", image ", s.image.path).c_str());
}

// The kinds the classifier counted in the scenario's slice ("clean" when
// none), then the first bug line, which is what a reader needs first.
std::string KernelLogLine(const nlohmann::json& k) {
  if (!k.is_object() || k.empty()) return "not classified";
  std::string out, first_bug;
  for (const auto* kinds : {&campaign::BugKinds(), &campaign::ErrorKinds()}) {
    for (const std::string& key : *kinds) {
      const int64_t n = k.contains(key) && k[key].is_number_integer() ? k[key].get<int64_t>() : 0;
      if (n == 0) continue;
      absl::StrAppend(&out, out.empty() ? "" : ", ", key, " ", n);
      if (first_bug.empty() && kinds == &campaign::BugKinds() && k.contains("first") &&
          k["first"].contains(key) && k["first"][key].contains("line")) {
        first_bug = k["first"][key]["line"].get<std::string>();
      }
    }
  }
  if (out.empty()) return "clean";
  return first_bug.empty() ? out : absl::StrCat(out, "; first: ", first_bug);
}

void PrintSummary(const Scenario& s, uint64_t seed, const campaign::Observations& o,
                  const std::vector<campaign::Check>& checks, bool verbose) {
  std::printf("scenario %s (%s), seed %llu\n", s.name.c_str(), s.file.c_str(),
              static_cast<unsigned long long>(seed));
  // Firings per fault (one firing may inject several records: "injections").
  std::string fired;
  auto add = [&](const std::string& id, const std::string& kind, const char* note) {
    auto it = o.faults_fired.find(id);
    absl::StrAppend(&fired, fired.empty() ? "" : ", ", id, " (", kind, note, ") x",
                    it == o.faults_fired.end() ? 0 : it->second);
    if (auto inj = o.fault_injections.find(id);
        inj != o.fault_injections.end() && it != o.faults_fired.end() && inj->second != it->second) {
      absl::StrAppend(&fired, " [", inj->second, " injections]");
    }
  };
  for (const FaultSpec& f : s.script.plan.faults) add(f.id, FaultKindName(f.kind), "");
  for (const auto& [fault_id, n] : o.faults_fired) {
    const std::string& id = fault_id;  // lambdas may not capture a structured binding (C++20)
    if (id.rfind("ctl:", 0) == 0) {  // by command (ctl), not from a script
      absl::StrAppend(&fired, fired.empty() ? "" : ", ", id, " x", n);
    } else if (std::none_of(s.script.plan.faults.begin(), s.script.plan.faults.end(),
                            [&](const FaultSpec& f) { return f.id == id; })) {
      add(id, o.fault_kinds.at(id), ", installed at run time");
    }
  }
  std::printf("fired: %s\n", fired.empty() ? "nothing (no faults)" : fired.c_str());
  auto num = [](const std::optional<int64_t>& v) { return v ? absl::StrCat(*v) : std::string("?"); };
  std::printf("UBI: bad PEBs %s -> %s, marked bad %lld, scrubbed %lld, fixable bitflips %lld, "
              "ECC errors %lld\n",
              num(o.ubi_bad_first).c_str(), num(o.ubi_bad_last).c_str(),
              static_cast<long long>(o.ubi_marked_bad), static_cast<long long>(o.ubi_scrubbed),
              static_cast<long long>(o.ubi_bitflips), static_cast<long long>(o.ecc_errors));
  std::printf("files verified: %lld%s\n", static_cast<long long>(o.files_verified),
              o.mount_failed ? " (a mount failed)" : "");
  std::printf("kernel log: %s\n", KernelLogLine(o.kernel_log).c_str());
  if (!o.first_fail.empty()) std::printf("guest: %s\n", o.first_fail.c_str());
  for (const campaign::Check& c : checks) {
    if (c.pass && !verbose) continue;
    std::printf("  %s %s: expected %s, got %s\n", c.pass ? "ok  " : "FAIL", c.name.c_str(),
                c.expected.c_str(), c.actual.c_str());
  }
}


// Prints one job's outcome: the summary and its VERDICT line.
void PrintOutcome(const ScenarioJob& job, const campaign::JobOutcome& out, bool verbose) {
  const Scenario& s = job.scenario;
  if (out.verdict == "error") {
    std::printf("VERDICT: ERROR %s (seed %llu) - %s\n", s.name.c_str(),
                static_cast<unsigned long long>(job.seed), out.error.c_str());
    return;
  }
  PrintSummary(s, job.seed, out.observed, out.checks, verbose);
  std::printf("VERDICT: %s %s (seed %llu) - %zu/%zu checks passed; results in %s\n",
              out.verdict == "pass" ? "PASS" : "FAIL", s.name.c_str(),
              static_cast<unsigned long long>(job.seed), out.passed, out.checks.size(),
              (job.out / "results.json").c_str());
}

int Run(std::span<char* const> args) {
  std::vector<std::string> positional;
  RunFlags f;
  ArgParser parser(
      "flashfault run SCENARIO... [--out DIR] [--seed N] [--kernel K] [--muse-ko FILE] [--json] [-v]\n"
      "       flashfault run --check SCENARIO...",
      "Run scenarios (corpora/scenarios/README.md) in one QEMU guest with Debian's kernel "
      "(--kernel), "
      "one after the other: serve each scenario's faulty flash through a freshly loaded "
      "muse.ko, run its workload, check its expectations. One scenario writes "
      "DIR/results.json (default results/NAME) and the rig's logs in DIR/vm/; several write "
      "DIR/NAME/results.json each (default DIR results/) and share DIR/batch/vm/. Needs the "
      "repository (found above this binary, or $FLASHFAULT_ROOT) and muse.ko built for the "
      "guest kernel (bash harness/setup/build-kmod.sh BUILD_DIR; found in BUILD_DIR/kmod/ "
      "above this binary, or --muse-ko / $FLASHFAULT_MUSE_KO). Exit 0 all passed, 3 an "
      "expectation failed, 2 bad scenario, 1 the rig failed. --check only validates (each "
      "scenario, its script against its geometry, its image, its files, one boot for all), "
      "boots nothing, writes nothing, and reports every invalid scenario: exit 0 or 2.",
      "  flashfault run corpora/scenarios/ubifs-bitflips-scrub.json\n"
      "  flashfault run my-scenario.json --seed 7 --out /tmp/r --json\n"
      "  flashfault run corpora/scenarios/*.json --out /tmp/all\n"
      "  flashfault run --check corpora/scenarios/*.json");
  parser.SetPositional("SCENARIO", 1, 64, &positional);
  parser.AddString("out", "DIR", "results directory (default results/NAME, or results/)", &f.out);
  parser.AddString("seed", "N", "seed of every random fault decision (default: each scenario's)",
                   &f.seed_text);
  AddRigFlags(parser, &f.rig);
  parser.AddBool("json", "print the results (an array for several) on stdout instead of summaries",
                 &f.json);
  parser.AddBool("verbose", "list every check, not only failed ones (also -v)", &f.verbose);
  parser.AddBool("check", "validate the scenarios without booting; exit 0 or 2", &f.check);
  std::vector<char*> argv(args.begin(), args.end());
  for (char*& a : argv) {
    if (std::string_view(a) == "-v") a = const_cast<char*>("--verbose");
  }
  if (int rc = HandleParseResult(parser, parser.Parse(argv), "run"); rc >= 0) return rc;

  std::optional<uint64_t> seed_flag;
  if (!f.seed_text.empty()) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(f.seed_text.c_str(), &end, 0);
    if (errno != 0 || *end != '\0' || f.seed_text[0] == '-') {
      std::fprintf(stderr, "flashfault run: --seed: not an unsigned number: %s\n", f.seed_text.c_str());
      return kExitUsage;
    }
    seed_flag = v;
  }
  // Every scenario is checked before anything boots.
  const bool batch = positional.size() > 1;
  std::vector<ScenarioJob> jobs;
  std::set<std::string> dirs;
  bool invalid = false;
  for (const std::string& file : positional) {
    absl::StatusOr<Scenario> scenario = campaign::LoadScenarioFile(file);
    if (!scenario.ok()) {
      std::fprintf(stderr, "flashfault run: %s\n", std::string(scenario.status().message()).c_str());
      if (!f.check) return kExitUsage;
      invalid = true;  // --check reports every invalid scenario
      continue;
    }
    if (f.check) {
      PrintChecked(*scenario);
      ScenarioJob job;
      job.scenario = std::move(*scenario);
      jobs.push_back(std::move(job));
      continue;
    }
    ScenarioJob job;
    job.scenario = std::move(*scenario);
    job.seed = campaign::EffectiveSeed(job.scenario, seed_flag);
    std::string dir = job.scenario.name;
    for (int k = 2; !dirs.insert(dir).second; ++k) dir = absl::StrCat(job.scenario.name, "-", k);
    job.out = batch ? (f.out.empty() ? fs::path("results") : fs::path(f.out)) / dir
                    : (f.out.empty() ? fs::path("results") / dir : fs::path(f.out));
    job.reproduce = absl::StrCat("flashfault run ", job.scenario.file, " --seed ", job.seed,
                                 " --out ", job.out.string());
    Progress(absl::StrCat("scenario ", job.scenario.name, ", seed ", job.seed,
                          "; reproduce: ", job.reproduce));
    jobs.push_back(std::move(job));
  }
  if (const absl::Status one = campaign::CheckOneBoot(jobs); !one.ok()) {
    std::fprintf(stderr, "flashfault run: %s\n", std::string(one.message()).c_str());
    return kExitUsage;
  }
  if (f.check) {
    std::printf("%s\n", invalid ? "invalid: see the errors above" : "all valid");
    return invalid ? kExitUsage : 0;
  }
  const fs::path rig_dir = batch ? jobs[0].out.parent_path() / "batch" : jobs[0].out;
  const auto start = std::chrono::steady_clock::now();
  auto rig_error = [&](const std::string& why) {
    std::fprintf(stderr, "flashfault run: %s\n", why.c_str());
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::vector<campaign::JobOutcome> outs = campaign::RecordRigError(jobs, why, wall);
    for (size_t i = 0; i < jobs.size() && !f.json; ++i) PrintOutcome(jobs[i], outs[i], f.verbose);
    return kExitFailure;
  };

  // A --kernel that names no kernel is bad input: refused before anything is written.
  const absl::StatusOr<campaign::RigPaths> rig = campaign::LocateRig(f.rig.muse_ko, f.rig.kernel);
  if (absl::IsInvalidArgument(rig.status())) {
    std::fprintf(stderr, "flashfault run: %s\n", std::string(rig.status().message()).c_str());
    return kExitUsage;
  }
  std::error_code ec;
  fs::create_directories(rig_dir / "run", ec);
  for (size_t i = 0; i < jobs.size() && !ec; ++i) fs::create_directories(jobs[i].out / "run", ec);
  if (ec) {
    std::fprintf(stderr, "flashfault run: cannot create the results directories: %s\n",
                 ec.message().c_str());
    return kExitFailure;
  }
  if (!rig.ok()) return rig_error(std::string(rig.status().message()));
  Progress(absl::StrCat("repository ", rig->root.string(), ", module ", rig->muse_ko.string(),
                        rig->kernel.empty() ? "" : ", kernel ", rig->kernel));
  if (!rig->kernel.empty()) {
    for (campaign::ScenarioJob& job : jobs) absl::StrAppend(&job.reproduce, " --kernel ", rig->kernel);
  }
  const absl::StatusOr<campaign::BatchOutcome> outcome =
      campaign::RunScenarioBatch(*rig, jobs, rig_dir);
  if (!outcome.ok()) return rig_error(std::string(outcome.status().message()));
  ojson all = ojson::array();
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!f.json) PrintOutcome(jobs[i], outcome->jobs[i], f.verbose);
    all.push_back(outcome->jobs[i].results);
  }
  if (f.json) std::printf("%s\n", (batch ? all : all[0]).dump(2).c_str());
  return outcome->exit_code;
}

}  // namespace

int RunRun(std::span<char* const> args) { return Run(args); }

}  // namespace flashfault::cli
