// The kernel fuzzer's guest loop; see fuzz_agent.h.
#include "harness/campaign/fuzz/fuzz_agent.h"

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/input_file.h"
#include "common/status_macros.h"
#include "fault-models/fault_layer.h"
#include "fault-models/script/fault_script.h"
#include "harness/campaign/explore/kmsg_reader.h"
#include "harness/campaign/fuzz/features.h"
#include "harness/campaign/fuzz/fs_steps.h"
#include "harness/campaign/fuzz/fuzz_input.h"
#include "harness/campaign/fuzz/fuzz_wire.h"
#include "harness/campaign/fuzz/kcov.h"
#include "harness/campaign/fuzz/recovered_data.h"
#include "harness/campaign/guest_shell.h"
#include "harness/campaign/served_part.h"
#include "harness/campaign/kernel_log.h"
#include "harness/campaign/log_classifier.h"
#include "harness/campaign/oracle/executor.h"
#include "harness/campaign/oracle/space_check.h"
#include "harness/campaign/oracle/survivable_faults.h"
#include "harness/campaign/oracle/tree_snapshot.h"
#include "harness/campaign/signature.h"
#include "harness/campaign/ubi_volume/volume_executor.h"
#include "harness/server/server.h"

namespace flashfault::campaign::fuzz {
namespace {

using Clock = std::chrono::steady_clock;
using ojson = nlohmann::ordered_json;

constexpr char kMtdName[] = "fffuzz";
constexpr char kOpLog[] = "/tmp/fffuzz-ops.jsonl";
constexpr size_t kMaxLogLines = 400;  // per result: the excerpt, not the flood
constexpr int kClassifyLevel = 4;     // KERN_WARNING or worse may carry a bug

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// One execution: either raw input bytes (a stream) or a case (a script).
struct Execution {
  std::optional<FuzzInput> input;
  FaultPlan plan;  // a case's faults (empty for an input)
  oracle::Workload workload;
  std::optional<ubi_volume::VolumeWorkload> volume;  // --fs ubi: instead of `workload`
};

class Agent {
 public:
  explicit Agent(const FuzzAgentOptions& o) : o_(o) {}
  absl::Status Run();
  absl::StatusOr<bool> RunCase(std::FILE* out);

 private:
  absl::Status MakeBase();
  absl::StatusOr<ojson> Execute(const Execution& e);
  // The steps under faults; the first failure's step name ("" none).
  // --fs ubi: what each volume op returned goes to `volume_results`.
  std::string RunUnderFaults(const Execution& e, int mtd, server::ServedDevice& dev, ojson& steps,
                             ojson& ms, std::vector<int>& volume_results);
  // The recovery check with faults off; the first failing step ("" none).
  // `judge`: the workload's op log tells the truth, so the recovered data
  // is judged by the oracle (recovered_data.h); else the tree is read back.
  std::string Recover(int mtd, bool judge, ojson& steps, ojson& ms, ojson& r);
  // --fs ubi: attach, judge the volume's LEBs by what the ops returned, detach.
  std::string RecoverVolume(int mtd, const Execution& e, const std::vector<int>& results,
                            ojson& steps, ojson& ms, ojson& r);
  bool volume_only() const { return o_.fs == "ubi"; }
  absl::StatusOr<Execution> Decode(const Frame& f);

  const FuzzAgentOptions& o_;
  int port_ = -1;
  std::unique_ptr<FaultLayer> part_;
  std::unique_ptr<NandModel> base_;
  uint64_t baseline_free_ = 0;  // free bytes of the fresh file system on the base
  uint64_t leb_size_ = 0;       // --fs ubi: the volume's usable LEB size
  std::unique_ptr<Kcov> kcov_;
  KmsgReader kmsg_;
  uint64_t executions_ = 0;
};

absl::StatusOr<std::unique_ptr<NandModel>> NewModel(const std::string& preset) {
  server::ServedDeviceOptions mo;
  mo.preset = preset;
  mo.direct_reads = true;
  return server::OpenServedModel(mo);
}

absl::Status Agent::MakeBase() {
  FF_ASSIGN_OR_RETURN(std::unique_ptr<NandModel> model, NewModel(o_.preset));
  FF_ASSIGN_OR_RETURN(part_, FaultLayer::Create(std::move(model), FaultPlan{}));
  FF_ASSIGN_OR_RETURN(base_, NewModel(o_.preset));
  FF_ASSIGN_OR_RETURN(std::unique_ptr<ServedPart> served, ServedPart::Start(part_.get(), o_.muse_device, kMtdName));
  const int mtd = served->mtd();
  std::string out;
  int rc = -1;
  if (mtd >= 0) {
    const std::string lib = absl::StrCat(". ", o_.guest_lib, "/lib.sh; . ", o_.guest_lib, "/explore.sh; ");
    rc = RunShell(absl::StrCat(lib, "ex_self_checks; ex_format ", o_.fs, " ", mtd, " ", o_.mount_point),
                  &out);
    // The space check's baseline: what the fresh file system has free.
    if (rc == 0 && volume_only()) {
      absl::StatusOr<uint64_t> leb = ubi_volume::UsableLebSize(ubi_volume::kVolumeSysfs);
      if (leb.ok()) leb_size_ = *leb;
      rc = leb.ok() ? RunShell(absl::StrCat(lib, "ex_unmount ", o_.fs, " ", o_.mount_point), &out) : 12;
      if (!leb.ok()) out = std::string(leb.status().message());
    } else if (rc == 0) {
      absl::StatusOr<oracle::SpaceFigures> free = oracle::FreeSpace(o_.mount_point);
      if (free.ok()) baseline_free_ = free->free_bytes;
      rc = RunShell(absl::StrCat(lib, "ex_unmount ", o_.fs, " ", o_.mount_point), &out);
    }
  }
  const absl::Status stopped = served->Stop();
  if (mtd < 0) return absl::UnavailableError("the base part's MTD did not appear");
  if (rc != 0) return absl::InternalError(absl::StrCat("formatting the base failed (", rc, "): ", out));
  FF_RETURN_IF_ERROR(stopped);
  return base_->CopyStateFrom(part_->model());
}

absl::StatusOr<Execution> Agent::Decode(const Frame& f) {
  Execution e;
  if (f.type == FrameType::kInput) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(f.body.data());
    e.input = DecodeInput({bytes, f.body.size()});
    if (volume_only()) {
      e.volume = InputVolumeWorkload(*e.input, leb_size_);
    } else {
      FF_ASSIGN_OR_RETURN(e.workload, InputWorkload(*e.input, o_.workload));
    }
    return e;
  }
  const nlohmann::json j = nlohmann::json::parse(f.body, nullptr, false);
  if (j.is_discarded()) return absl::InvalidArgumentError("case: not JSON");
  FF_ASSIGN_OR_RETURN(FuzzCase c, CaseFromJson(j, "case"));
  FF_ASSIGN_OR_RETURN(e.plan, ParsePlan(c.script, part_->geometry()));
  if (c.volume.has_value() != volume_only()) {
    return absl::InvalidArgumentError(
        c.volume ? "case: a UBI volume workload needs --fs ubi"
                 : absl::StrCat("case: a file system workload, but --fs ", o_.fs));
  }
  e.workload = std::move(c.workload);
  e.volume = std::move(c.volume);
  return e;
}

// Records a step's outcome in `steps` and its time in `ms`; true when it
// succeeded. `run` is called here so the time is the step's own.
template <typename Fn>
bool Step(ojson& steps, ojson& ms, const char* name, Fn run) {
  const Clock::time_point t = Clock::now();
  const absl::Status s = run();
  ms[name] = MsSince(t);
  steps[name] = s.ok() ? "ok" : std::string(s.message());
  return s.ok();
}

std::string Agent::RunUnderFaults(const Execution& e, int mtd, server::ServedDevice& dev,
                                  ojson& steps, ojson& ms, std::vector<int>& volume_results) {
  auto step = [&](const char* name, auto run) { return Step(steps, ms, name, run); };
  if (!step("attach", [&] { return AttachFs(o_.fs, mtd); })) return "attach";
  if (e.volume) {  // no file system: the ops go to the volume's character device
    if (dev.stream_device) dev.stream_device->set_consulting(true);
    const Clock::time_point t = Clock::now();
    absl::StatusOr<ubi_volume::VolumeRun> ran =
        ubi_volume::ExecuteVolumeWorkload(*e.volume, ubi_volume::kVolumeDevice);
    ms["workload"] = MsSince(t);
    if (ran.ok()) {
      steps["ops"] = ran->results.size();
      steps["ops_failed"] = ran->failed();
      volume_results = ran->results;
    } else {
      steps["workload"] = std::string(ran.status().message());
    }
    return step("detach", [&] { return DetachFs(o_.fs); }) ? "" : "detach";
  }
  if (!step("mount", [&] { return MountFs(o_.fs, mtd, o_.mount_point); })) {
    (void)DetachFs(o_.fs);
    return "mount";
  }
  if (dev.stream_device) dev.stream_device->set_consulting(true);
  oracle::ExecOptions xo;
  xo.root = o_.mount_point;
  xo.log = kOpLog;
  const Clock::time_point t = Clock::now();
  absl::StatusOr<oracle::ExecSummary> ran = oracle::ExecuteWorkload(e.workload, xo);
  ::sync();
  ms["workload"] = MsSince(t);
  if (ran.ok()) {
    steps["ops"] = ran->ops;
    steps["ops_failed"] = ran->failed;
  } else {
    steps["workload"] = std::string(ran.status().message());
  }
  const bool down = step("umount", [&] { return UnmountFs(o_.mount_point); });
  const bool detached = step("detach", [&] { return DetachFs(o_.fs); });
  return down ? (detached ? "" : "detach") : "umount";
}

std::string Agent::Recover(int mtd, bool judge, ojson& steps, ojson& ms, ojson& r) {
  auto step = [&](const char* name, auto run) { return Step(steps, ms, name, run); };
  if (!step("recover_attach", [&] { return AttachFs(o_.fs, mtd); })) return "attach";
  std::string failed;
  if (!step("recover_mount", [&] { return MountFs(o_.fs, mtd, o_.mount_point); })) {
    failed = "mount";
  } else {
    const Clock::time_point t = Clock::now();
    if (judge) {
      failed = JudgeRecoveredData({.op_log = kOpLog, .fs = o_.fs, .mount_point = o_.mount_point,
                                   .baseline_free = baseline_free_},
                                  r);
    } else {
      absl::StatusOr<oracle::TreeSnapshot> tree = oracle::WalkTree(o_.mount_point);
      if (!tree.ok()) {
        r["oracle_error"] = std::string(tree.status().message());
        failed = "oracle:walk";
      }
    }
    ms[judge ? "recover_judge" : "recover_walk"] = MsSince(t);
    steps[judge ? "recover_judge" : "recover_walk"] = failed.empty() ? "ok" : failed;
    if (!step("recover_umount", [&] { return UnmountFs(o_.mount_point); }) && failed.empty()) {
      failed = "umount";
    }
  }
  if (!step("recover_detach", [&] { return DetachFs(o_.fs); }) && failed.empty()) failed = "detach";
  return failed;
}

std::string Agent::RecoverVolume(int mtd, const Execution& e, const std::vector<int>& results,
                                 ojson& steps, ojson& ms, ojson& r) {
  auto step = [&](const char* name, auto run) { return Step(steps, ms, name, run); };
  if (!step("recover_attach", [&] { return AttachFs(o_.fs, mtd); })) return "attach";
  const Clock::time_point t = Clock::now();
  // Ops that never ran (the workload could not open the volume) changed nothing.
  std::string failed = steps.contains("ops") ? JudgeRecoveredVolume(*e.volume, results, leb_size_, r) : "";
  ms["recover_judge"] = MsSince(t);
  steps["recover_judge"] = failed.empty() ? "ok" : failed;
  if (!step("recover_detach", [&] { return DetachFs(o_.fs); }) && failed.empty()) failed = "detach";
  return failed;
}

absl::StatusOr<ojson> Agent::Execute(const Execution& e) {
  ojson r = ojson::object();
  ojson steps = ojson::object(), ms = ojson::object();
  (void)kmsg_.Drain();  // what came before is not this input's
  Clock::time_point t = Clock::now();
  const FaultPlan case_plan = e.plan;
  auto fresh = [this, &case_plan](FaultLayer& l, const FaultPlan&) -> absl::Status {
    FF_RETURN_IF_ERROR(l.model().SyncStateFrom(*base_));
    return l.Restart(case_plan);
  };
  auto stream = [&e](server::ServerOptions& so) {
    if (e.input) so.device.fault_stream_bytes = e.input->stream;
  };
  FF_ASSIGN_OR_RETURN(std::unique_ptr<ServedPart> served,
                      ServedPart::Start(part_.get(), o_.muse_device, kMtdName, fresh, stream));
  server::Server* srv = &served->server();
  // Decisions start at the attach only when the input says so.
  if (StreamFaultDevice* sd = srv->device().stream_device.get()) {
    sd->set_consulting(e.input->faults_from_attach);
  }
  const int mtd = served->mtd();
  ms["present"] = MsSince(t);  // the part synced to the base, served, the MTD arrived
  std::string under, recovered;
  std::vector<FaultStats> stats;
  if (mtd >= 0) {
    if (kcov_) (void)kcov_->Enable();
    std::vector<int> volume_results;
    under = RunUnderFaults(e, mtd, srv->device(), steps, ms, volume_results);
    // No new decisions from here on, however the run under faults ended.
    if (StreamFaultDevice* sd = srv->device().stream_device.get()) sd->set_consulting(false);
    // What fired under faults (ReplacePlan starts the counters afresh).
    stats = part_->stats();
    // The op log is the truth about durability unless power was cut: then
    // it cannot say which ops came after the cut (recovered_data.h).
    bool power_cut = false;
    for (const FaultStats& s : stats) power_cut = power_cut || (s.kind == FaultKind::kPowerCut && s.fires > 0);
    const bool judge = steps.contains("ops") && !power_cut;
    // Faults off: no new decisions, the plan emptied, the power back.
    FaultPlan none;
    none.seed = part_->seed();
    (void)part_->ReplacePlan(none);
    part_->PowerOn();
    // The module's map of blocks it may read itself still says "no power".
    if (srv->device().direct) srv->device().direct->RefreshAll();
    // UBI alone has no cache: what an op returned is what is on flash, cut or not.
    recovered = e.volume ? RecoverVolume(mtd, e, volume_results, steps, ms, r)
                         : Recover(mtd, judge, steps, ms, r);
  } else {
    recovered = "present";
  }
  FeatureSet features, edges;  // edges: KCOV's, apart so the host can measure them alone
  if (kcov_) {
    bool overflowed = false;
    const std::vector<uint64_t> pcs = kcov_->Disable(&overflowed);
    edges.AddKcovEdges(pcs);
    r["kcov_pcs"] = pcs.size();
    if (overflowed) r["kcov_overflowed"] = true;
  }
  t = Clock::now();
  const FaultPlan decided =
      srv->device().stream_source ? srv->device().stream_source->plan() : case_plan;
  (void)served->Stop();
  ms["teardown"] = MsSince(t);

  // The faults that fired, and whether the file system had to survive them.
  ojson fired = ojson::array();
  std::string excuse;
  for (const FaultStats& s : stats) {
    if (s.fires == 0) continue;
    fired.push_back(s.id);
    features.Add("fired", FaultKindName(s.kind));
    for (const FaultSpec& spec : decided.faults) {
      if (spec.id != s.id || !excuse.empty()) continue;
      excuse = oracle::WhyNotSurvivable(spec, part_->geometry(), o_.survivable_also);
    }
  }

  t = Clock::now();
  const KmsgReader::Batch log = kmsg_.Drain();
  const std::string text = RenderDmesg(log.records);
  std::vector<std::string> lines;
  for (absl::string_view l : absl::StrSplit(text, '\n', absl::SkipEmpty())) lines.emplace_back(l);
  bool serious = false;
  for (const KernelRecord& k : log.records) serious = serious || k.level <= kClassifyLevel;
  Classification c;
  if (serious) {
    FF_ASSIGN_OR_RETURN(c, ClassifyText(text, absl::StrCat(o_.guest_lib, "/classify-dmesg.sh")));
  }
  ms["classify"] = MsSince(t);
  features.AddLogLines(lines);
  for (const auto& [kind, n] : c.counts) {
    if (n > 0) features.Add("kind", kind, static_cast<uint32_t>(n));
  }
  for (const auto& [name, value] : steps.items()) {
    features.Add("step", absl::StrCat(name, "=", value.is_string() ? value.get<std::string>() : "n"));
  }

  std::string failed;
  if (c.bugs() > 0) {
    failed = "kernel";
  } else if (!recovered.empty()) {
    failed = recovered;
  }
  if (!failed.empty() && failed != "kernel" && !excuse.empty()) {
    r["excused"] = absl::StrCat("recovery step '", failed, "' failed after ", excuse);
    failed.clear();
  }
  r["result"] = failed.empty() ? "pass" : "fail";
  if (!failed.empty()) {
    const Signature sig = MakeSignature(failed, c, lines);
    r["failed"] = failed;
    r["signature"] = sig.Text();
    r["signature_id"] = sig.Id();
  }
  if (!under.empty()) r["under_faults_failed"] = under;
  r["steps"] = steps;
  r["fired"] = fired;
  r["script"] = PlanToJson(decided);
  r["workload"] = e.volume ? ubi_volume::VolumeWorkloadToJson(*e.volume) : oracle::WorkloadToJson(e.workload);
  ojson excerpt = ojson::array();
  for (const std::string& l : lines) {
    if (excerpt.size() < kMaxLogLines) excerpt.push_back(l);
  }
  r["kernel_log"] = excerpt;
  r["kernel_log_lines"] = lines.size();
  r["kernel_log_lost"] = log.lost;
  r["ms"] = ms;
  r["features"] = features.ToJson();
  r["kcov"] = edges.ToJson();
  r["execution"] = ++executions_;
  return r;
}

absl::Status Agent::Run() {
  port_ = ::open(o_.port.c_str(), O_RDWR | O_CLOEXEC);
  if (port_ < 0) return absl::NotFoundError(absl::StrCat("cannot open the channel ", o_.port));
  FF_RETURN_IF_ERROR(MakeBase());  // mounts debugfs (ex_self_checks), where KCOV lives
  std::string kcov_error = "off (--no-kcov)";
  if (o_.kcov) {
    absl::StatusOr<std::unique_ptr<Kcov>> k = Kcov::Open();
    if (k.ok()) {
      kcov_ = std::move(*k);
      kcov_error.clear();
    } else {
      kcov_error = std::string(k.status().message());
    }
  }
  utsname u{};
  ::uname(&u);
  ojson hello = {{"kernel", u.release}, {"kcov", kcov_ != nullptr}, {"fs", o_.fs},
                       {"preset", o_.preset}, {"workload", o_.workload}};
  if (!kcov_error.empty()) hello["kcov_unavailable"] = kcov_error;
  FF_RETURN_IF_ERROR(WriteFrame(port_, FrameType::kHello, hello.dump()));
  for (;;) {
    absl::StatusOr<Frame> f = ReadFrame(port_, -1);
    if (absl::IsOutOfRange(f.status())) return absl::OkStatus();  // the host went away
    if (!f.ok()) return f.status();
    if (f->type == FrameType::kQuit) return absl::OkStatus();
    if (f->type != FrameType::kInput && f->type != FrameType::kCase) {
      return absl::DataLossError("the host sent a frame the agent does not take");
    }
    ojson r;
    absl::StatusOr<Execution> e = Decode(*f);
    if (!e.ok()) {
      r = {{"result", "error"}, {"error", std::string(e.status().message())}};
    } else {
      absl::StatusOr<ojson> done = Execute(*e);
      if (!done.ok()) return done.status();  // the agent itself broke: the host sees it
      r = std::move(*done);
    }
    FF_RETURN_IF_ERROR(WriteFrame(port_, FrameType::kResult, r.dump()));
  }
}

absl::StatusOr<bool> Agent::RunCase(std::FILE* out) {
  FF_ASSIGN_OR_RETURN(const std::string text, ReadInputFile(o_.case_file));
  FF_RETURN_IF_ERROR(MakeBase());
  Frame f;
  f.type = FrameType::kCase;
  f.body = text;
  FF_ASSIGN_OR_RETURN(Execution e, Decode(f));
  FF_ASSIGN_OR_RETURN(ojson r, Execute(e));
  r.erase("features");
  r.erase("kcov");
  std::fprintf(out, "FFFUZZ result %s\n", r.dump().c_str());
  const bool failed = r["result"] == "fail";
  if (failed) std::fprintf(out, "FAIL: fuzz case: %s\n", r.value("signature", "?").c_str());
  std::fflush(out);
  return failed;
}

}  // namespace

absl::StatusOr<bool> RunFuzzCase(const FuzzAgentOptions& options, std::FILE* out) {
  Agent a(options);
  return a.RunCase(out);
}

absl::Status RunFuzzAgent(const FuzzAgentOptions& options) {
  Agent a(options);
  return a.Run();
}

}  // namespace flashfault::campaign::fuzz
