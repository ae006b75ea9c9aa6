// Running scenario jobs in one guest boot; see runner.h.
#include "harness/campaign/runner.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "backends/model/geometry_json.h"
#include "common/atomic_file.h"
#include "common/input_file.h"
#include "common/status_macros.h"
#include "common/utc_time.h"
#include "absl/strings/str_join.h"
#include "harness/campaign/guest_script.h"
#include "harness/campaign/kernel_log.h"
#include "harness/campaign/progress.h"
#include "harness/campaign/scenario_log.h"

namespace flashfault::campaign {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

constexpr int kPass = 0, kFailure = 1, kFound = 3;  // the CLI's exit conventions

void Progress(const std::string& msg) { ProgressPrinter::Stderr().Line("[run]", msg); }

// The files every run ships: this binary, muse.ko, the built-in workloads.
std::vector<std::string> CommonPayload(const RigPaths& rig) {
  return {"--file", absl::StrCat(rig.self.string(), ":/flashfault"),
          "--file", absl::StrCat(rig.muse_ko.string(), ":/muse.ko"),
          "--file", absl::StrCat((rig.root / "harness/vm/guest/workloads.sh").string(), ":",
                                 kGuestWorkloads)};
}

// What job `index` needs in the guest, staged in its run/ folder; appends
// the run-guest.sh --file args to `files`.
absl::Status PreparePayload(const RigPaths& rig, const ScenarioJob& job, size_t index,
                            std::vector<std::string>& files) {
  const Scenario& s = job.scenario;
  const fs::path run = job.out / "run";
  auto ship = [&](const fs::path& host, const char* name) {
    files.insert(files.end(),
                 {"--file", absl::StrCat(host.string(), ":", GuestPayloadPath(index, name))});
  };
  FaultPlan plan = s.script.plan;
  plan.seed = job.seed;
  FF_RETURN_IF_ERROR(WriteFileAtomically((run / "faults.json").string(),
                                         PlanToJson(plan, &s.geometry).dump(2) + "\n"));
  ship(run / "faults.json", kGuestFaultScript);
  if (!s.geometry_is_preset) {
    FF_RETURN_IF_ERROR(WriteFileAtomically((run / "geometry.json").string(),
                                           GeometryToJson(s.geometry).dump(2) + "\n"));
    ship(run / "geometry.json", kGuestGeometry);
  }
  if (const std::optional<CrashStateSpec>& cs = s.crash_state) {
    ship(cs->events, kGuestCrashEvents);
    // The payload keeps the name the log gives it, beside the log.
    files.insert(files.end(),
                 {"--file", absl::StrCat(cs->payload, ":",
                                         GuestPayloadPath(index, fs::path(cs->payload).filename().c_str()))});
    ship(cs->ops, kGuestCrashOps);
  }
  if (const std::optional<FuzzCaseSpec>& fc = s.fuzz_case) {
    FF_RETURN_IF_ERROR(WriteFileAtomically((run / kGuestFuzzCase).string(), fc->case_json + "\n"));
    ship(run / kGuestFuzzCase, kGuestFuzzCase);
  }
  for (const ShippedFile& f : s.files) {
    ship(f.host, absl::StrCat(kGuestFiles, "/", f.guest).c_str());
  }
  if (s.image.kind == ImageSpec::Kind::kNanddump || s.image.kind == ImageSpec::Kind::kRaw) {
    const fs::path img = run / "image.img";
    std::vector<std::string> argv = {rig.self.string(), "image", "import"};
    if (s.geometry_is_preset) {
      argv.insert(argv.end(), {"--preset", s.geometry.name});
    } else {
      argv.insert(argv.end(), {"--geometry", (run / "geometry.json").string()});
    }
    const bool raw = s.image.kind == ImageSpec::Kind::kRaw;
    argv.insert(argv.end(), {"--format", raw ? "raw" : "nanddump", s.image.path, img.string()});
    fs::remove(img);
    Progress(absl::StrCat("importing the initial image ", s.image.path));
    if (Spawn(argv) != 0) return absl::InternalError("flashfault image import failed");
    if (!s.wear.empty()) {
      std::vector<std::string> wear = {rig.self.string(), "image", "wear", img.string()};
      for (const WearSetting& w : s.wear) wear.push_back(WearArg(w));
      if (Spawn(wear) != 0) return absl::InternalError("flashfault image wear failed");
    }
    ship(img, kGuestImage);
    ship(fs::path(img.string() + ".meta.json"), kGuestImageMeta);
  }
  return absl::OkStatus();
}

// Judges job `index` from its segment of the guest output and its slice of
// the streamed kernel log (written to JOB.out/dmesg.log).
JobOutcome Judge(const ScenarioJob& job, size_t index, const std::string& guest_log,
                 const KernelLog& kmsg, const std::string& classifier, const fs::path& vm) {
  const Scenario& s = job.scenario;
  JobOutcome out;
  const GuestSegment seg = SplitGuestLog(guest_log, index);
  const absl::StatusOr<ScenarioKernelLog> klog = ScenarioLog(kmsg, index, classifier);
  std::string dmesg;
  nlohmann::json classification;
  if (klog.ok()) {
    dmesg = klog->dmesg;
    classification = klog->classification.json;
    out.kernel_log = ScenarioLogToJson(*klog, "dmesg.log");
    const absl::Status w = WriteFileAtomically((job.out / "dmesg.log").string(), dmesg);
    if (!w.ok()) out.error = std::string(w.message());
  }
  out.observed = Observe(seg.guest_log, dmesg, classification);
  const Observations& o = out.observed;
  // The first reason the job cannot be judged, if any.
  auto problem = [&]() -> std::string {
    if (!seg.found) return "the guest never reached this scenario";
    if (!seg.complete) return "the guest did not finish this scenario";
    if (!klog.ok()) return absl::StrCat("its kernel log could not be classified: ", klog.status().message());
    if (std::string p = KernelLogProblem(*klog); !p.empty()) return p;
    if (!o.workload_exit) {
      return absl::StrCat("the guest failed before the workload ran: ",
                          o.first_fail.empty() ? "see guest.log" : o.first_fail);
    }
    return "";
  };
  if (out.error.empty()) out.error = problem();
  if (!out.error.empty()) {
    out.error = absl::StrCat(out.error, "; logs in ", vm.string());
    out.verdict = "error";
    out.exit_code = kFailure;
    return out;
  }
  out.checks = Evaluate(s, o, seg.guest_log, dmesg);
  // A server the workload killed itself (ff_kill_server) is an expected step.
  const bool stopped = (o.server_exit && *o.server_exit == 0) || o.server_left_killed;
  out.checks.insert(out.checks.begin(),
                    {"server_stopped_cleanly", "server exit == 0, or killed by the workload",
                     o.server_left_killed ? "killed by the workload (ff_kill_server)"
                     : o.server_exit      ? absl::StrCat(*o.server_exit)
                                          : "not reported",
                     stopped});
  for (const Check& c : out.checks) out.passed += c.pass ? 1 : 0;
  const bool all = out.passed == out.checks.size();
  out.verdict = all ? "pass" : "fail";
  out.exit_code = all ? kPass : kFound;
  return out;
}

// Moves job `index`'s device summary from what the guest exported into
// JOB.out/device.json; its name there for results.json, or null when the
// guest sent none (its server was killed, the export failed).
ojson KeepDeviceSummary(const fs::path& exported, size_t index, const fs::path& job_out) {
  const std::string text =
      ReadFileOrEmpty((exported / absl::StrCat(index) / kDeviceSummaryName).string());
  if (text.empty()) return ojson();
  const absl::Status w = WriteFileAtomically((job_out / kDeviceSummaryName).string(), text);
  if (!w.ok()) {
    std::fprintf(stderr, "flashfault: %s\n", std::string(w.message()).c_str());
    return ojson();
  }
  return kDeviceSummaryName;
}

// Completes `out.results` from the outcome and writes it.
void WriteResults(const ScenarioJob& job, JobOutcome& out, double wall) {
  ojson& r = out.results;
  r["observed"] = ObservationsToJson(out.observed);
  r["kernel_log"] = out.kernel_log;
  r["wall_seconds"] = wall;
  if (!out.checks.empty()) {
    ojson jchecks = ojson::array();
    for (const Check& c : out.checks) {
      jchecks.push_back(
          {{"name", c.name}, {"expected", c.expected}, {"actual", c.actual}, {"pass", c.pass}});
    }
    r["checks"] = jchecks;
  }
  r["verdict"] = out.verdict;
  r["exit_code"] = out.exit_code;
  r["error"] = out.error.empty() ? ojson() : ojson(out.error);
  const absl::Status w =
      WriteFileAtomically((job.out / "results.json").string(), r.dump(2) + "\n");
  if (!w.ok()) {
    std::fprintf(stderr, "flashfault: %s\n", std::string(w.message()).c_str());
    out.exit_code = kFailure;
  }
}

}  // namespace

ojson StartResults(const ScenarioJob& job) {
  const Scenario& s = job.scenario;
  ojson r = {{"scenario", s.name},         {"file", s.file},
             {"description", s.description}, {"seed", job.seed},
             {"reproduce", job.reproduce}, {"geometry", s.geometry.name},
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

std::vector<JobOutcome> RecordRigError(std::span<const ScenarioJob> jobs, const std::string& why,
                                       double wall_seconds) {
  std::vector<JobOutcome> outs;
  for (const ScenarioJob& job : jobs) {
    JobOutcome o;
    o.verdict = "error";
    o.exit_code = kFailure;
    o.error = why;
    o.results = StartResults(job);
    o.results.update(ojson{{"started_at", Iso8601UtcNow()}, {"verdict", "error"}, {"exit_code", kFailure}, {"error", why},
                           {"wall_seconds", wall_seconds}});
    (void)WriteFileAtomically((job.out / "results.json").string(), o.results.dump(2) + "\n");
    outs.push_back(std::move(o));
  }
  return outs;
}

absl::Status CheckOneBoot(std::span<const ScenarioJob> jobs) {
  for (const ScenarioJob& job : jobs) {
    if (job.scenario.kernel_args != jobs[0].scenario.kernel_args) {
      return absl::InvalidArgumentError(absl::StrCat(
          jobs[0].scenario.file, " and ", job.scenario.file,
          " have different kernel_args, and the scenarios of one run share one boot: run them "
          "separately"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<BatchOutcome> RunScenarioBatch(const RigPaths& rig, std::span<const ScenarioJob> jobs,
                                              const fs::path& rig_dir) {
  FF_RETURN_IF_ERROR(CheckOneBoot(jobs));
  const auto start = std::chrono::steady_clock::now();
  const std::string started_at = Iso8601UtcNow();
  auto wall = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::vector<std::string> files = CommonPayload(rig);
  std::vector<ScenarioRun> guest_runs;
  uint64_t timeout = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    FF_RETURN_IF_ERROR(PreparePayload(rig, jobs[i], i, files));
    guest_runs.push_back({&jobs[i].scenario, jobs[i].seed});
    timeout += jobs[i].scenario.timeout_seconds;
  }
  FF_RETURN_IF_ERROR(
      WriteFileAtomically((rig_dir / "run/guest.sh").string(), GuestScript(guest_runs)));

  Progress(absl::StrCat("booting the guest for ", jobs.size(), " scenario(s)"));
  BatchOutcome batch;
  batch.vm_dir = rig_dir / "vm";
  const fs::path& vm = batch.vm_dir;
  std::error_code ec;
  fs::remove(vm / "result.json", ec);
  const fs::path exported = rig_dir / "export";  // the guest's /tmp/ffout (GuestSummaryPath)
  fs::remove_all(exported, ec);
  std::vector<std::string> argv = RunGuestCommand(rig);
  argv.insert(argv.end(), {"--script", (rig_dir / "run/guest.sh").string(), "--out", vm.string(),
                           "--timeout", absl::StrCat(timeout), "--export", exported.string()});
  if (!jobs.empty() && !jobs[0].scenario.kernel_args.empty()) {
    argv.insert(argv.end(), {"--append", absl::StrJoin(jobs[0].scenario.kernel_args, " ")});
  }
  argv.insert(argv.end(), files.begin(), files.end());
  fs::remove(vm / "console.log", ec);
  StepRelay relay(vm / "console.log");
  const int rig_rc = Spawn(argv, &relay);
  const nlohmann::json rig_result =
      nlohmann::json::parse(ReadFileOrEmpty((vm / "result.json").string()), nullptr,
                            /*allow_exceptions=*/false);
  if (rig_result.is_discarded() || !rig_result.is_object()) {
    return absl::InternalError(absl::StrCat("the VM rig failed (exit ", rig_rc,
                                            ") before writing ", (vm / "result.json").string()));
  }
  const std::string guest_log = ReadFileOrEmpty((vm / "guest.log").string());
  const KernelLog kmsg = ParseKmsg(ReadFileOrEmpty((vm / "kmsg.log").string()));
  const std::string classifier = (rig.root / "harness/vm/classify-dmesg.sh").string();
  for (size_t i = 0; i < jobs.size(); ++i) {
    JobOutcome out = Judge(jobs[i], i, guest_log, kmsg, classifier, vm);
    out.results = StartResults(jobs[i]);
    out.results["started_at"] = started_at;
    out.results["rig"] = rig_result;
    out.results["device_summary"] = KeepDeviceSummary(exported, i, jobs[i].out);
    if (jobs.size() > 1) {
      out.results["batch"] = {{"index", i}, {"of", jobs.size()}, {"logs", vm.string()}};
    }
    WriteResults(jobs[i], out, wall());
    // An error outranks a failed expectation, which outranks a pass.
    if (out.exit_code == kFailure || (out.exit_code == kFound && batch.exit_code == kPass)) {
      batch.exit_code = out.exit_code;
    }
    batch.jobs.push_back(std::move(out));
  }
  fs::remove_all(exported, ec);  // each summary now sits in its job's folder
  return batch;
}

}  // namespace flashfault::campaign
