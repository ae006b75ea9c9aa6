// `flashfault run SCENARIO`: run one scenario in the guest and print a
// verdict. Validates the scenario (exit 2), prepares the payload (this
// binary, muse.ko, the fault script, the image), generates the guest script,
// boots harness/vm/run-guest.sh, evaluates the expectations and writes
// DIR/results.json atomically. Exit 0 pass, 3 an expectation failed, 1 the
// rig or the tool failed. Must not: judge anything itself (verdict.h does),
// or write outside DIR.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/model/geometry_json.h"
#include "common/atomic_file.h"
#include "harness/campaign/guest_script.h"
#include "harness/campaign/scenario.h"
#include "harness/campaign/verdict.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"
#include "nlohmann/json.hpp"

namespace flashfault::cli {
namespace {

namespace fs = std::filesystem;
using campaign::Scenario;
using ojson = nlohmann::ordered_json;

void Progress(const std::string& msg) { std::fprintf(stderr, "[run] %s\n", msg.c_str()); }

std::string ReadText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path SelfExe() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p;
}

// The repository: $FLASHFAULT_ROOT, else the first parent of the binary that
// holds harness/vm/run-guest.sh (build/harness/flashfault -> the checkout).
std::optional<fs::path> FindRoot() {
  if (const char* env = std::getenv("FLASHFAULT_ROOT"); env != nullptr && *env != '\0') {
    if (fs::exists(fs::path(env) / "harness/vm/run-guest.sh")) return fs::path(env);
    return std::nullopt;
  }
  for (fs::path d = SelfExe().parent_path(); !d.empty() && d != d.root_path(); d = d.parent_path()) {
    if (fs::exists(d / "harness/vm/run-guest.sh")) return d;
  }
  return std::nullopt;
}

// muse.ko: --muse-ko, else $FLASHFAULT_MUSE_KO, else kmod/muse.ko in the first
// parent of the binary that has one (the build dir: build-kmod.sh BUILD puts
// it in BUILD/kmod/), else ROOT/kmod/muse.ko.
std::optional<fs::path> FindMuseKo(const std::string& flag, const fs::path& root) {
  if (!flag.empty()) return fs::exists(flag) ? std::optional<fs::path>(flag) : std::nullopt;
  if (const char* env = std::getenv("FLASHFAULT_MUSE_KO"); env != nullptr && *env != '\0') {
    return fs::exists(env) ? std::optional<fs::path>(env) : std::nullopt;
  }
  for (fs::path d = SelfExe().parent_path(); !d.empty() && d != d.root_path(); d = d.parent_path()) {
    if (fs::exists(d / "kmod/muse.ko")) return d / "kmod/muse.ko";
    if (d == root) break;
  }
  if (fs::exists(root / "kmod/muse.ko")) return root / "kmod/muse.ko";
  return std::nullopt;
}

// Relays the guest's "STEP ..." lines from the rig's live console log while it
// runs, so a long guest run shows where it is.
class StepRelay {
 public:
  explicit StepRelay(fs::path console) : console_(std::move(console)) {}
  void Poll() {
    std::ifstream in(console_, std::ios::binary);
    if (!in) return;
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    offset_ += chunk.size();
    pending_ += chunk;
    for (size_t nl; (nl = pending_.find('\n')) != std::string::npos; pending_.erase(0, nl + 1)) {
      std::string line = pending_.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      // After the script, /init repeats its whole output framed: relay only the live part.
      if (line.find("FLASHFAULT-BEGIN-GUEST-LOG") != std::string::npos) replayed_ = true;
      if (!replayed_ && line.rfind("STEP ", 0) == 0) {
        std::fprintf(stderr, "[guest] %s\n", line.c_str() + 5);
      }
    }
  }

 private:
  fs::path console_;
  size_t offset_ = 0;
  std::string pending_;
  bool replayed_ = false;
};

// Runs argv with its stdout sent to our stderr (progress, never results);
// polls `relay` (if any) while it runs.
int Spawn(const std::vector<std::string>& argv, StepRelay* relay = nullptr) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(STDERR_FILENO, STDOUT_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "flashfault run: cannot run %s\n", args[0]);
    _exit(127);
  }
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, relay != nullptr ? WNOHANG : 0);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return -1;
    if (relay != nullptr) {
      relay->Poll();
      usleep(200000);
    }
  }
  if (relay != nullptr) relay->Poll();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct RunFlags {
  std::string out, muse_ko, seed_text;
  bool json = false, verbose = false;
};

// The files every run ships: this binary, muse.ko, the built-in workloads.
std::vector<std::string> CommonPayload(const fs::path& root, const fs::path& muse_ko) {
  return {"--file", absl::StrCat(SelfExe().string(), ":/flashfault"),
          "--file", absl::StrCat(muse_ko.string(), ":/muse.ko"),
          "--file", absl::StrCat((root / "harness/vm/guest/workloads.sh").string(), ":",
                                 campaign::kGuestWorkloads)};
}

// What scenario `index` needs in the guest, staged in `run`; appends the
// run-guest.sh --file args to `files`.
absl::Status PreparePayload(const Scenario& s, uint64_t seed, size_t index, const fs::path& run,
                            std::vector<std::string>& files) {
  auto ship = [&](const fs::path& host, const char* name) {
    files.insert(files.end(), {"--file", absl::StrCat(host.string(), ":",
                                                      campaign::GuestPayloadPath(index, name))});
  };
  FaultPlan plan = s.script.plan;
  plan.seed = seed;
  FF_RETURN_IF_ERROR(WriteFileAtomically((run / "faults.json").string(),
                                         PlanToJson(plan, &s.geometry).dump(2) + "\n"));
  ship(run / "faults.json", campaign::kGuestFaultScript);
  if (!s.geometry_is_preset) {
    FF_RETURN_IF_ERROR(WriteFileAtomically((run / "geometry.json").string(),
                                           GeometryToJson(s.geometry).dump(2) + "\n"));
    ship(run / "geometry.json", campaign::kGuestGeometry);
  }
  if (s.image.kind != campaign::ImageSpec::Kind::kEmpty) {
    const fs::path img = run / "image.img";
    std::vector<std::string> argv = {SelfExe().string(), "image", "import"};
    if (s.geometry_is_preset) {
      argv.insert(argv.end(), {"--preset", s.geometry.name});
    } else {
      argv.insert(argv.end(), {"--geometry", (run / "geometry.json").string()});
    }
    const bool raw = s.image.kind == campaign::ImageSpec::Kind::kRaw;
    argv.insert(argv.end(), {"--format", raw ? "raw" : "nanddump", s.image.path, img.string()});
    fs::remove(img);
    Progress(absl::StrCat("importing the initial image ", s.image.path));
    if (Spawn(argv) != 0) return absl::InternalError("flashfault image import failed");
    ship(img, campaign::kGuestImage);
  }
  return absl::OkStatus();
}

std::string KernelLogLine(const nlohmann::json& k) {
  std::string out;
  for (const char* key : {"oops", "bug", "warning", "hung_task", "panic", "ubi_errors",
                          "ubifs_errors", "jffs2_errors", "mtd_errors"}) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", key, " ",
                    k.contains(key) ? k[key].dump() : std::string("?"));
  }
  return out;
}

void PrintSummary(const Scenario& s, uint64_t seed, const campaign::Observations& o,
                  const std::vector<campaign::Check>& checks, bool verbose) {
  std::printf("scenario %s (%s), seed %llu\n", s.name.c_str(), s.file.c_str(),
              static_cast<unsigned long long>(seed));
  std::string injected;
  for (const FaultSpec& f : s.script.plan.faults) {
    auto it = o.faults_fired.find(f.id);
    absl::StrAppend(&injected, injected.empty() ? "" : ", ", f.id, " (", FaultKindName(f.kind),
                    ") x", it == o.faults_fired.end() ? 0 : it->second);
  }
  for (const auto& [id, n] : o.faults_fired) {  // by command (ctl), not from the script
    if (id.rfind("ctl:", 0) == 0) absl::StrAppend(&injected, injected.empty() ? "" : ", ", id, " x", n);
  }
  std::printf("injected: %s\n", injected.empty() ? "nothing (no faults)" : injected.c_str());
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

// One scenario of the run: what it is, where its results go, and them.
struct PlannedRun {
  Scenario scenario;
  uint64_t seed = 0;
  fs::path out;  // results.json and run/ (its payload)
  ojson results;
};

ojson StartResults(const Scenario& s, uint64_t seed, const std::string& reproduce) {
  ojson r = {{"scenario", s.name},         {"file", s.file},
             {"description", s.description}, {"seed", seed},
             {"reproduce", reproduce},     {"geometry", s.geometry.name},
             {"script", s.script_source},
             {"workload", s.workload.builtin.empty() ? "shell" : s.workload.builtin}};
  ojson faults = ojson::array();
  for (const FaultSpec& f : s.script.plan.faults) {
    faults.push_back({{"id", f.id}, {"kind", FaultKindName(f.kind)},
                      {"explanation", ExplainFault(f, s.script.plan, s.geometry)}});
  }
  r["faults"] = faults;
  return r;
}

// Judges one scenario from its segment of the guest output; fills
// p.results and prints the summary. Returns the scenario's exit code.
int Judge(PlannedRun& p, size_t index, const std::string& guest_log, const fs::path& vm,
          const RunFlags& f, double wall) {
  const Scenario& s = p.scenario;
  const campaign::GuestSegment seg = campaign::SplitGuestLog(guest_log, index);
  const campaign::Observations o = campaign::Observe(seg.guest_log, seg.dmesg, seg.kernel_log);
  p.results["observed"] = campaign::ObservationsToJson(o);
  p.results["wall_seconds"] = wall;
  std::string error;
  if (!seg.found) {
    error = "the guest never reached this scenario";
  } else if (!seg.complete || seg.kernel_log.is_null()) {
    error = "the guest did not finish this scenario";
  } else if (!o.workload_exit) {
    error = absl::StrCat("the guest failed before the workload ran: ",
                         o.first_fail.empty() ? "see guest.log" : o.first_fail);
  }
  int code = kExitOk;
  std::string verdict;
  std::vector<campaign::Check> checks;
  size_t passed = 0;
  if (error.empty()) {
    checks = campaign::Evaluate(s, o, seg.guest_log, seg.dmesg);
    const bool stopped = o.server_exit && *o.server_exit == 0;
    checks.insert(checks.begin(), {"server_stopped_cleanly", "server exit == 0",
                                   o.server_exit ? absl::StrCat(*o.server_exit) : "not reported",
                                   stopped});
    ojson jchecks = ojson::array();
    for (const campaign::Check& c : checks) {
      jchecks.push_back({{"name", c.name}, {"expected", c.expected}, {"actual", c.actual}, {"pass", c.pass}});
      passed += c.pass ? 1 : 0;
    }
    p.results["checks"] = jchecks;
    verdict = passed == checks.size() ? "pass" : "fail";
    code = passed == checks.size() ? kExitOk : kExitFound;
  } else {
    error = absl::StrCat(error, "; logs in ", vm.string());
    verdict = "error";
    code = kExitFailure;
  }
  p.results["verdict"] = verdict;
  p.results["exit_code"] = code;
  p.results["error"] = error.empty() ? ojson() : ojson(error);
  const absl::Status w =
      WriteFileAtomically((p.out / "results.json").string(), p.results.dump(2) + "\n");
  if (!w.ok()) {
    std::fprintf(stderr, "flashfault run: %s\n", std::string(w.message()).c_str());
    code = kExitFailure;
  }
  if (f.json) return code;
  if (!error.empty()) {
    std::printf("VERDICT: ERROR %s (seed %llu) - %s\n", s.name.c_str(),
                static_cast<unsigned long long>(p.seed), error.c_str());
    return code;
  }
  PrintSummary(s, p.seed, o, checks, f.verbose);
  std::printf("VERDICT: %s %s (seed %llu) - %zu/%zu checks passed; results in %s\n",
              verdict == "pass" ? "PASS" : "FAIL", s.name.c_str(),
              static_cast<unsigned long long>(p.seed), passed, checks.size(),
              (p.out / "results.json").c_str());
  return code;
}

int Run(std::span<char* const> args) {
  std::vector<std::string> positional;
  RunFlags f;
  ArgParser parser(
      "flashfault run SCENARIO... [--out DIR] [--seed N] [--muse-ko FILE] [--json] [-v]",
      "Run scenarios (corpora/scenarios/README.md) in one QEMU guest with Debian's kernel, "
      "one after the other: serve each scenario's faulty flash through a freshly loaded "
      "muse.ko, run its workload, check its expectations. One scenario writes "
      "DIR/results.json (default results/NAME) and the rig's logs in DIR/vm/; several write "
      "DIR/NAME/results.json each (default DIR results/) and share DIR/batch/vm/. Needs the "
      "repository (found above this binary, or $FLASHFAULT_ROOT) and muse.ko built for the "
      "guest kernel (bash harness/setup/build-kmod.sh BUILD_DIR; found in BUILD_DIR/kmod/ "
      "above this binary, or --muse-ko / $FLASHFAULT_MUSE_KO). Exit 0 all passed, 3 an "
      "expectation failed, 2 bad scenario, 1 the rig failed.",
      "  flashfault run corpora/scenarios/ubifs-bitflips-scrub.json\n"
      "  flashfault run my-scenario.json --seed 7 --out /tmp/r --json\n"
      "  flashfault run corpora/scenarios/*.json --out /tmp/all");
  parser.SetPositional("SCENARIO", 1, 64, &positional);
  parser.AddString("out", "DIR", "results directory (default results/NAME, or results/)", &f.out);
  parser.AddString("seed", "N", "seed of every random fault decision (default: each scenario's)",
                   &f.seed_text);
  parser.AddString("muse-ko", "FILE", "muse.ko built for the guest kernel", &f.muse_ko);
  parser.AddBool("json", "print the results (an array for several) on stdout instead of summaries",
                 &f.json);
  parser.AddBool("verbose", "list every check, not only failed ones (also -v)", &f.verbose);
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
  std::vector<PlannedRun> runs;
  std::set<std::string> dirs;
  for (const std::string& file : positional) {
    absl::StatusOr<Scenario> scenario = campaign::LoadScenarioFile(file);
    if (!scenario.ok()) {
      std::fprintf(stderr, "flashfault run: %s\n", std::string(scenario.status().message()).c_str());
      return kExitUsage;
    }
    PlannedRun p;
    p.scenario = std::move(*scenario);
    p.seed = campaign::EffectiveSeed(p.scenario, seed_flag);
    std::string dir = p.scenario.name;
    for (int k = 2; !dirs.insert(dir).second; ++k) dir = absl::StrCat(p.scenario.name, "-", k);
    p.out = batch ? (f.out.empty() ? fs::path("results") : fs::path(f.out)) / dir
                  : (f.out.empty() ? fs::path("results") / dir : fs::path(f.out));
    const std::string reproduce = absl::StrCat("flashfault run ", p.scenario.file, " --seed ",
                                               p.seed, " --out ", p.out.string());
    p.results = StartResults(p.scenario, p.seed, reproduce);
    Progress(absl::StrCat("scenario ", p.scenario.name, ", seed ", p.seed, "; reproduce: ", reproduce));
    runs.push_back(std::move(p));
  }
  const fs::path rig_dir = batch ? runs[0].out.parent_path() / "batch" : runs[0].out;
  const auto start = std::chrono::steady_clock::now();
  auto wall = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  auto rig_error = [&](const std::string& why) {
    std::fprintf(stderr, "flashfault run: %s\n", why.c_str());
    for (PlannedRun& p : runs) {
      p.results.update(ojson{{"verdict", "error"}, {"exit_code", kExitFailure}, {"error", why},
                             {"wall_seconds", wall()}});
      (void)WriteFileAtomically((p.out / "results.json").string(), p.results.dump(2) + "\n");
      if (!f.json) std::printf("VERDICT: ERROR %s (seed %llu) - %s\n", p.scenario.name.c_str(),
                               static_cast<unsigned long long>(p.seed), why.c_str());
    }
    return kExitFailure;
  };

  std::error_code ec;
  fs::create_directories(rig_dir / "run", ec);
  for (size_t i = 0; i < runs.size() && !ec; ++i) fs::create_directories(runs[i].out / "run", ec);
  if (ec) {
    std::fprintf(stderr, "flashfault run: cannot create the results directories: %s\n",
                 ec.message().c_str());
    return kExitFailure;
  }
  const std::optional<fs::path> root = FindRoot();
  if (!root) return rig_error("cannot find the repository (harness/vm/run-guest.sh) above this binary; set FLASHFAULT_ROOT");
  const std::optional<fs::path> ko = FindMuseKo(f.muse_ko, *root);
  if (!ko) {
    return rig_error("muse.ko not found (build it: bash harness/setup/build-kmod.sh BUILD_DIR; or --muse-ko FILE)");
  }
  Progress(absl::StrCat("repository ", root->string(), ", module ", ko->string()));
  std::vector<std::string> files = CommonPayload(*root, *ko);
  std::vector<campaign::ScenarioRun> guest_runs;
  uint64_t timeout = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    absl::Status st = PreparePayload(runs[i].scenario, runs[i].seed, i, runs[i].out / "run", files);
    if (!st.ok()) return rig_error(std::string(st.message()));
    guest_runs.push_back({&runs[i].scenario, runs[i].seed});
    timeout += runs[i].scenario.timeout_seconds;
  }
  const absl::Status gs = WriteFileAtomically((rig_dir / "run/guest.sh").string(),
                                              campaign::GuestScript(guest_runs));
  if (!gs.ok()) return rig_error(std::string(gs.message()));

  Progress(absl::StrCat("booting the guest for ", runs.size(), " scenario(s)"));
  const fs::path vm = rig_dir / "vm";
  fs::remove(vm / "result.json", ec);
  std::vector<std::string> rig = {"bash", (*root / "harness/vm/run-guest.sh").string(),
                                  "--script", (rig_dir / "run/guest.sh").string(),
                                  "--out", vm.string(),
                                  "--timeout", absl::StrCat(timeout)};
  rig.insert(rig.end(), files.begin(), files.end());
  fs::remove(vm / "console.log", ec);
  StepRelay relay(vm / "console.log");
  const int rig_rc = Spawn(rig, &relay);
  const nlohmann::json rig_result =
      nlohmann::json::parse(ReadText(vm / "result.json"), nullptr, /*allow_exceptions=*/false);
  if (rig_result.is_discarded() || !rig_result.is_object()) {
    return rig_error(absl::StrCat("the VM rig failed (exit ", rig_rc, ") before writing ",
                                  (vm / "result.json").string()));
  }
  const std::string guest_log = ReadText(vm / "guest.log");
  int code = kExitOk;
  ojson all = ojson::array();
  for (size_t i = 0; i < runs.size(); ++i) {
    runs[i].results["rig"] = rig_result;
    if (batch) runs[i].results["batch"] = {{"index", i}, {"of", runs.size()}, {"logs", vm.string()}};
    const int c = Judge(runs[i], i, guest_log, vm, f, wall());
    // An error outranks a failed expectation, which outranks a pass.
    if (c == kExitFailure || (c == kExitFound && code == kExitOk)) code = c;
    all.push_back(runs[i].results);
  }
  if (f.json) std::printf("%s\n", (batch ? all : all[0]).dump(2).c_str());
  return code;
}

}  // namespace

int RunRun(std::span<char* const> args) { return Run(args); }

}  // namespace flashfault::cli
