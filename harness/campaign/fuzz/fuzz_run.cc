// `flashfault fuzz` on the host; see fuzz_run.h.
#include "harness/campaign/fuzz/fuzz_run.h"

#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/atomic_file.h"
#include "common/input_file.h"
#include "common/status_macros.h"
#include "common/utc_time.h"
#include "harness/campaign/fuzz/guest_link.h"
#include "harness/campaign/fuzz/minimize.h"
#include "harness/campaign/progress.h"

namespace flashfault::campaign::fuzz {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

void Progress(const std::string& line) { ProgressPrinter::Stderr().Line("[fuzz]", line); }

std::vector<json> ReadJsonLines(const fs::path& file) {
  std::vector<json> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object()) out.push_back(std::move(j));
  }
  return out;
}

// While libFuzzer runs: every few seconds a progress line from the guests'
// records (a bar with rate and ETA on a terminal, plain lines in a log).
class Ticker {
 public:
  Ticker(fs::path out, uint64_t budget_s) : out_(std::move(out)), budget_s_(budget_s) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Ticker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Loop() {
    const auto t0 = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(5), [this] { return stop_; })) {
      const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      uint64_t execs = 0, edges = 0;
      std::error_code ec;
      for (const auto& d : fs::directory_iterator(out_ / "workers", ec)) {
        const std::vector<json> lines = ReadJsonLines(d.path() / "execs.jsonl");
        execs += lines.size();
        if (!lines.empty()) edges = std::max<uint64_t>(edges, lines.back().value("edges", 0));
      }
      const uint64_t done = std::min<uint64_t>(static_cast<uint64_t>(t), budget_s_);
      Progress(absl::StrFormat("fuzzing %d/%d s, %d executions, %.1f/min, %d KCOV edges, eta %ds",
                               done, budget_s_, execs, t > 0 ? execs * 60.0 / t : 0.0, edges,
                               budget_s_ - done));
    }
  }

  const fs::path out_;
  const uint64_t budget_s_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

LinkOptions LinkFor(const FuzzOptions& o, const fs::path& dir) {
  LinkOptions l;
  l.fs = o.fs;
  l.preset = o.preset;
  l.workload = o.workload;
  l.survivable = o.survivable;
  l.dir = dir;
  return l;
}

std::string Words(const FuzzFinding& f) {
  std::string w;
  if (f.failed == "kernel") {
    w = "the kernel reported a bug";
  } else if (f.failed.rfind("guest:", 0) == 0) {
    w = f.failed == "guest:hang" ? "the guest stopped answering (a hang)" : "the guest died";
  } else {
    w = absl::StrCat("after faults the file system must survive, recovery failed at '", f.failed, "'");
  }
  const size_t bar = f.signature.find(" | ");
  if (bar != std::string::npos) absl::StrAppend(&w, "; kernel: ", f.signature.substr(bar + 3));
  return w;
}

// Every finding directory: its records (the first seen leads) and inputs.
std::vector<FuzzFinding> CollectFindings(const fs::path& dir) {
  std::vector<FuzzFinding> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& d : fs::directory_iterator(dir, ec)) {
    if (!d.is_directory()) continue;
    FuzzFinding f;
    f.signature_id = d.path().filename().string();
    for (const auto& e : fs::directory_iterator(d.path(), ec)) {
      if (e.path().extension() == ".input") ++f.inputs;
      if (e.path().extension() != ".json" || e.path().filename() == "minimized.json") continue;
      json r = json::parse(ReadFileOrEmpty(e.path().string()), nullptr, false);
      if (!r.is_object()) continue;
      const double t = r.value("seconds", 0.0);
      if (f.first.is_null() || t < f.first_seen_s) {
        f.first = r;
        f.first_seen_s = t;
      }
    }
    if (f.first.is_null()) continue;
    f.signature = f.first.value("signature", f.signature_id);
    f.failed = f.first.value("failed", "?");
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(),
            [](const FuzzFinding& a, const FuzzFinding& b) { return a.first_seen_s < b.first_seen_s; });
  return out;
}

// Minimises `f` with the guest behind `link`; the case stays as found when
// it does not fail again as a case (a flaky finding: noted, kept).
void Minimize(GuestLink& link, const FuzzOptions& o, FuzzFinding& f) {
  if (!f.first.contains("script") || !f.first.contains("workload")) return;  // a lost guest
  absl::StatusOr<FuzzCase> start =
      CaseFromJson({{"script", f.first["script"]}, {"workload", f.first["workload"]}}, "finding");
  if (!start.ok()) return;
  size_t tests = 0;
  auto fails = [&](const FuzzCase& c) {
    ++tests;
    absl::StatusOr<json> r = link.Execute(FrameType::kCase, CaseToJson(c).dump());
    if (!r.ok()) {
      (void)link.Restart();
      return false;
    }
    return r->value("result", "") == "fail" && r->value("signature_id", "") == f.signature_id;
  };
  f.minimized = CaseToJson(*start);
  if (!fails(*start)) {
    f.minimize_stats = {{"reproduced", false}, {"tests", tests}};
    return;
  }
  MinimizeStats st;
  const FuzzCase small = o.minimize ? MinimizeCase(*start, fails, o.minimize_tests, &st) : *start;
  f.minimized = CaseToJson(small);
  // The last word: the small case fails the same way once more.
  f.reproduced = fails(small);
  f.minimize_stats = {{"reproduced", f.reproduced}, {"tests", tests},
                      {"faults", {st.faults_before, st.faults_after}},
                      {"ops", {st.ops_before, st.ops_after}}};
}

absl::Status WriteReproducer(const FuzzOptions& o, const RigPaths& rig, FuzzFinding& f) {
  if (f.minimized.is_null()) return absl::OkStatus();
  const fs::path dir = o.out / "reproducers" / f.signature_id;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir.string(), ": ", ec.message()));
  ojson fc = {{"fs", o.fs}};
  if (!o.survivable.empty()) {
    ojson kinds = ojson::array();
    std::stringstream ss(o.survivable);
    for (std::string k; std::getline(ss, k, ',');) kinds.push_back(k);
    fc["survivable"] = kinds;
  }
  fc["script"] = f.minimized["script"];
  fc["workload"] = f.minimized["workload"];
  const ojson scenario = {
      {"name", absl::StrCat("fuzz-", f.signature_id)},
      {"description", absl::StrCat("Kernel fault fuzzing (", o.workload, " on ", o.fs, "): ",
                                   Words(f), f.reproduced ? "" : " (did not fail again as a case)")},
      {"geometry", o.preset},
      {"fuzz_case", fc},
      {"workload", "fuzz-check"},
      {"timeout", 900}};
  const fs::path file = dir / "scenario.json";
  FF_RETURN_IF_ERROR(WriteFileAtomically(file.string(), scenario.dump(2) + "\n"));
  f.reproducer = file.string();
  f.replay = absl::StrCat("flashfault run ", f.reproducer, rig.kernel.empty() ? "" : " --kernel ",
                          rig.kernel);
  return absl::OkStatus();
}

ojson FindingJson(const FuzzFinding& f) {
  ojson j = {{"signature", f.signature}, {"signature_id", f.signature_id}, {"failed", f.failed},
             {"words", Words(f)}, {"known", f.known}, {"first_seen_s", f.first_seen_s},
             {"inputs", f.inputs}};
  j["kernel_log"] = f.first.value("kernel_log", json::array());
  if (f.first.contains("console_tail")) j["console_tail"] = f.first["console_tail"];
  if (!f.minimize_stats.is_null()) j["minimize"] = f.minimize_stats;
  if (!f.minimized.is_null()) j["case"] = f.minimized;
  if (!f.reproducer.empty()) {
    j["reproducer"] = f.reproducer;
    j["replay"] = f.replay;
  }
  return j;
}

// Executions, their rate, where the time went and the coverage curve,
// from every fuzzing process's execs.jsonl.
ojson Statistics(const fs::path& out, double wall_s) {
  ojson workers = ojson::array();
  uint64_t executions = 0, with_workload = 0;
  double per_minute = 0;  // the guests' rates, summed
  std::map<std::string, double> ms;
  size_t edges = 0, features = 0;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(out / "workers", ec)) {
    const std::vector<json> lines = ReadJsonLines(d.path() / "execs.jsonl");
    if (lines.empty()) continue;
    ojson curve = ojson::array();
    for (const json& l : lines) {
      const auto it = l.find("ms");
      if (it != l.end() && it->is_object()) {
        for (const auto& [step, v] : it->items()) {
          if (v.is_number()) ms[step] += v.get<double>();
        }
      }
      curve.push_back({l.value("t", 0.0), l.value("edges", 0), l.value("features", 0)});
    }
    const json& last = lines.back();
    executions += lines.size();
    for (const json& l : lines) with_workload += l.value("workload_ran", false) ? 1 : 0;
    edges = std::max<size_t>(edges, last.value("edges", 0));
    features = std::max<size_t>(features, last.value("features", 0));
    json hello = json::parse(ReadFileOrEmpty((d.path() / "hello.json").string()), nullptr, false);
    // The rate between the first and the last execution: the guest's boot
    // and its base format come before the first and are not the inputs' time.
    const double t = last.value("t", 0.0);
    const double span = t - lines.front().value("t", 0.0);
    const double rate = span > 0 ? (lines.size() - 1) * 60.0 / span : 0.0;
    per_minute += rate;
    workers.push_back({{"worker", d.path().filename().string()},
                       {"executions", lines.size()},
                       {"seconds", t},
                       {"per_minute", rate},
                       {"kcov_edges", last.value("edges", 0)},
                       {"features", last.value("features", 0)},
                       {"hello", hello.is_object() ? hello : json::object()},
                       {"curve", curve}});
  }
  ojson where = ojson::object();
  for (const auto& [step, total] : ms) where[step] = executions ? total / executions : 0.0;
  return {{"executions", executions},
          {"executions_with_workload", with_workload},
          {"per_minute", per_minute},
          {"per_minute_wall", wall_s > 0 ? executions * 60.0 / wall_s : 0.0},
          {"kcov_edges", edges},
          {"features", features},
          {"mean_ms_per_step", where},
          {"workers", workers}};
}

}  // namespace

fs::path KernelFuzzerPath(const fs::path& self) {
  if (const char* env = std::getenv("FLASHFAULT_KERNEL_FUZZER"); env != nullptr && *env) return env;
  return self.parent_path() / "flashfault-kernel-fuzzer";
}

absl::StatusOr<FuzzOutcome> RunFuzz(const RigPaths& rig, const FuzzOptions& o) {
  const fs::path fuzzer = KernelFuzzerPath(rig.self);
  if (!fs::exists(fuzzer)) {
    return absl::FailedPreconditionError(absl::StrCat(
        fuzzer.string(), " is missing (build it: harness/setup/build.sh flashfault-kernel-fuzzer; "
                         "it needs Debian's libclang-rt-14-dev)"));
  }
  std::error_code ec;
  const fs::path corpus = o.corpus.empty() ? o.out / "corpus" : o.corpus;
  for (const fs::path& d : {o.out, corpus}) {
    fs::create_directories(d, ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot create ", d.string(), ": ", ec.message()));
  }
  // A fresh campaign's own records only (the corpus is kept and grows).
  for (const char* sub : {"workers", "findings", "reproducers", "libfuzzer.log"}) {
    fs::remove_all(o.out / sub, ec);
  }
  ojson known = ojson::array();
  std::set<std::string> known_ids;
  if (!o.known_dir.empty() && fs::is_directory(o.known_dir, ec)) {
    for (const auto& d : fs::directory_iterator(o.known_dir, ec)) {
      if (fs::exists(d.path() / "scenario.json")) known_ids.insert(d.path().filename().string());
    }
  }
  for (const std::string& id : known_ids) known.push_back(id);
  // Absolute paths: libFuzzer runs in OUT (env -C), where a path the user
  // gave relative to here would name nothing.
  auto absolute = [](const fs::path& p) { return p.empty() ? p.string() : fs::absolute(p).string(); };
  const ojson config = {{"out", absolute(o.out)}, {"root", absolute(rig.root)},
                        {"flashfault", absolute(rig.self)}, {"muse_ko", absolute(rig.muse_ko)},
                        {"kernel", rig.kernel}, {"fs", o.fs}, {"preset", o.preset},
                        {"workload", o.workload}, {"survivable", o.survivable},
                        {"feedback", o.feedback}, {"kcov", true},
                        {"stop_on_finding", o.stop_on_finding}, {"known", known}};
  const fs::path config_file = o.out / "config.json";
  FF_RETURN_IF_ERROR(WriteFileAtomically(config_file.string(), config.dump(2) + "\n"));
  ::setenv("FLASHFAULT_FUZZ_CONFIG", fs::absolute(config_file).c_str(), 1);

  std::vector<std::string> argv = {
      "env", "-C", fs::absolute(o.out).string(), fs::absolute(fuzzer).string(),
      absl::StrCat("-seed=", o.seed), absl::StrCat("-max_len=", o.max_len),
      absl::StrCat("-max_total_time=", o.budget_seconds),
      // One input takes seconds; the link's own timeout (120 s) calls a hang.
      "-timeout=600", "-rss_limit_mb=4096", "-print_final_stats=1",
      // Inputs at full length at once: a short input decides few faults.
      "-len_control=0",
      absl::StrCat("-dict=", (rig.root / "fuzz" / "kernel_fuzzer.dict").string()),
      absl::StrCat("-artifact_prefix=", fs::absolute(o.out).string(), "/")};
  if (o.runs > 0) argv.push_back(absl::StrCat("-runs=", o.runs));
  if (o.jobs > 1) {
    argv.push_back(absl::StrCat("-jobs=", o.jobs));
    argv.push_back(absl::StrCat("-workers=", o.jobs));
  }
  argv.push_back(fs::absolute(corpus).string());
  const fs::path seeds = rig.root / "corpora" / "fuzz" / "kernel";
  if (fs::is_directory(seeds)) argv.push_back(seeds.string());
  Progress(absl::StrCat("libFuzzer: ", o.jobs, " guest(s), budget ", o.budget_seconds, " s, seed ",
                        o.seed, ", ", o.fs, " on ", o.preset, ", workload ", o.workload,
                        ", feedback ", o.feedback));
  const std::string started = Iso8601Utc(std::chrono::system_clock::now());
  const auto t0 = std::chrono::steady_clock::now();
  // libFuzzer's own lines go to OUT/libfuzzer.log (with --jobs, each
  // process's to OUT/fuzz-N.log besides): the terminal keeps the progress.
  argv.insert(argv.begin() + 3, {"sh", "-c", "exec \"$@\" 2>>libfuzzer.log", "sh"});
  int rc;
  {
    Ticker ticker(o.out, o.budget_seconds);
    rc = Spawn(argv);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  FuzzOutcome out;
  out.findings = CollectFindings(o.out / "findings");
  ojson stats = Statistics(o.out, wall);
  Progress(absl::StrCat("libFuzzer exited ", rc, " after ", static_cast<int>(wall), " s: ",
                        stats["executions"].get<uint64_t>(), " executions, ",
                        out.findings.size(), " finding(s)"));
  std::string error;
  if (stats["executions"].get<uint64_t>() == 0) {
    error = absl::StrCat("no input ran (libFuzzer exit ", rc, "; see ", (o.out / "libfuzzer.log").string(),
                         " and ", (o.out / "workers").string(), ")");
  }
  size_t fresh = 0;
  for (FuzzFinding& f : out.findings) {
    f.known = known_ids.count(f.signature_id) > 0;
    if (!f.known) {
      ++fresh;
      continue;
    }
    f.reproducer = (o.known_dir / f.signature_id / "scenario.json").string();
    f.replay = absl::StrCat("flashfault run ", f.reproducer, rig.kernel.empty() ? "" : " --kernel ",
                            rig.kernel);
  }
  if (fresh > 0 && error.empty()) {
    GuestLink link(rig, LinkFor(o, o.out / "minimize-guest"));
    absl::Status up = link.Start();
    for (FuzzFinding& f : out.findings) {
      if (f.known) continue;
      if (up.ok()) {
        Progress(absl::StrCat("minimising finding ", f.signature_id, ": ", f.signature));
        Minimize(link, o, f);
      }
      FF_RETURN_IF_ERROR(WriteReproducer(o, rig, f));
    }
    if (!up.ok()) Progress(absl::StrCat("no guest to minimise in: ", up.message()));
  }
  out.exit_code = !error.empty() ? 1 : (fresh == 0 ? 0 : 3);
  ojson findings = ojson::array();
  for (const FuzzFinding& f : out.findings) findings.push_back(FindingJson(f));
  out.results = {{"command", "fuzz"}, {"started", started}, {"reproduce", o.reproduce},
                 {"fs", o.fs}, {"preset", o.preset}, {"workload", o.workload},
                 {"feedback", o.feedback}, {"seed", o.seed}, {"jobs", o.jobs},
                 {"budget_seconds", o.budget_seconds}, {"runs", o.runs},
                 {"stop_on_finding", o.stop_on_finding}, {"wall_seconds", wall},
                 {"libfuzzer_exit", rc}, {"statistics", stats}, {"findings", findings},
                 {"exit", out.exit_code}};
  if (!error.empty()) out.results["error"] = error;
  FF_RETURN_IF_ERROR(WriteFileAtomically((o.out / "results.json").string(), out.results.dump(2) + "\n"));
  return out;
}

absl::StatusOr<FuzzFinding> MinimizeFinding(const RigPaths& rig, const FuzzOptions& o,
                                            const fs::path& finding_dir) {
  std::vector<FuzzFinding> all = CollectFindings(finding_dir.parent_path());
  for (FuzzFinding& f : all) {
    if (f.signature_id != finding_dir.filename().string()) continue;
    GuestLink link(rig, LinkFor(o, o.out / "minimize-guest"));
    FF_RETURN_IF_ERROR(link.Start());
    Minimize(link, o, f);
    FF_RETURN_IF_ERROR(WriteReproducer(o, rig, f));
    return f;
  }
  return absl::NotFoundError(absl::StrCat(finding_dir.string(), ": no finding there (a directory "
                                          "under OUT/findings/ of flashfault fuzz)"));
}

}  // namespace flashfault::campaign::fuzz
