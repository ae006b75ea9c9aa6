// The explore agent's per-state loop; see agent.h.
#include "harness/campaign/explore/agent.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <cstring>
#include <functional>
#include <optional>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "fault-models/replay/crash_state.h"
#include "fault-models/replay/log_replayer.h"
#include "harness/campaign/explore/kmsg_reader.h"
#include "harness/campaign/guest_shell.h"
#include "harness/campaign/served_part.h"
#include "harness/campaign/explore/mtd_writer.h"
#include "harness/campaign/kernel_log.h"
#include "harness/campaign/log_classifier.h"
#include "harness/campaign/oracle/crash_rules.h"
#include "harness/campaign/oracle/op_log.h"
#include "harness/campaign/oracle/space_check.h"
#include "harness/campaign/oracle/tree_snapshot.h"
#include "harness/campaign/signature.h"
#include "harness/server/server.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign {
namespace {

using Clock = std::chrono::steady_clock;
using ojson = nlohmann::ordered_json;

constexpr char kMtdName[] = "ffstate";
// Per state in its full record (the count is kept): far above what one
// attach and mount print, even of a torn state with its stack dumps.
constexpr size_t kMaxLogLines = 4000;
// Records at this level or more serious (KERN_WARNING; dump_stack's
// KERN_DEFAULT counts as it) can carry a bug report; a state whose log has
// none is clean without running the classifier, which costs ~100 ms of
// busybox awk under TCG.
constexpr int kClassifyLevel = 4;

struct StateLog {
  std::vector<std::string> lines;  // as dmesg prints them
  Classification classification;   // empty when no record needed classifying
};

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// The shell step `fn` of explore.sh with its arguments.
std::string ShellStep(const AgentOptions& o, const std::string& call) {
  return absl::StrCat(". ", o.guest_lib, "/lib.sh; . ", o.guest_lib, "/explore.sh; ", call);
}

class StateChecker {
 public:
  StateChecker(const AgentOptions& o, std::unique_ptr<FaultLayer> part,
               const oracle::OracleModel* oracle, const oracle::Slack& slack)
      : o_(o), part_(std::move(part)), oracle_(oracle), slack_(slack) {}

  absl::Status OpenReference() {
    if (o_.onto_mtd < 0) return absl::OkStatus();
    FF_ASSIGN_OR_RETURN(onto_, MtdWriter::Open(o_.onto_mtd, part_->geometry()));
    return absl::OkStatus();
  }

  // The part every state is served on, in a memfd the module reads clean
  // blocks from directly: one part for all states, so materialising one
  // copies only the blocks that differ from the last (SyncStateFrom).
  static absl::StatusOr<std::unique_ptr<FaultLayer>> MakePart(const Geometry& geometry) {
    server::ServedDeviceOptions mo;
    mo.geometry = geometry;
    mo.direct_reads = true;
    FF_ASSIGN_OR_RETURN(std::unique_ptr<NandModel> model, server::OpenServedModel(mo));
    return FaultLayer::Create(std::move(model), FaultPlan{});
  }

  // Checks one state whose part `materialise` fills; the result line. An
  // error is the agent's own failure (the server would not start).
  absl::StatusOr<ojson> Check(
      const CrashState& s, std::function<absl::Status(FaultLayer&, const FaultPlan&)> materialise);

 private:
  // Attach, mount, oracle, space: the first failing step's name ("" when
  // all passed), details into `r`.
  std::string CheckMounted(const CrashState& s, int mtd, ojson& r, ojson& times);

  // Check on the reference MTD (AgentOptions::onto_mtd) instead of serving.
  absl::StatusOr<ojson> CheckOnMtd(
      const CrashState& s,
      const std::function<absl::Status(FaultLayer&, const FaultPlan&)>& materialise, ojson& r,
      ojson& times);
  // ex_unmount; its failure becomes the state's when none came before.
  void Unmount(std::string& failed, ojson& r);
  // The state's own kernel log, classified, and the result line.
  absl::StatusOr<ojson> Finish(std::string failed, ojson& r, ojson& times);
  // The state's log as dmesg lines, classified by the one classifier
  // (classify-dmesg.sh in the guest library) when a record could matter.
  absl::StatusOr<StateLog> ClassifyStateLog(const KmsgReader::Batch& log) const;

  const AgentOptions& o_;
  std::unique_ptr<FaultLayer> part_;
  std::unique_ptr<MtdWriter> onto_;  // with AgentOptions::onto_mtd
  const oracle::OracleModel* oracle_;  // null: the workload logged no ops
  const oracle::Slack& slack_;
  KmsgReader kmsg_;
};

std::string StateChecker::CheckMounted(const CrashState& s, int mtd, ojson& r, ojson& times) {
  Clock::time_point t = Clock::now();
  std::string out;
  const int mount_rc =
      RunShell(ShellStep(o_, absl::StrCat("ex_mount ", o_.fs, " ", mtd, " ", o_.mount_point)), &out);
  times["mount"] = MsSince(t);
  if (mount_rc != 0) {
    r["step_output"] = out.substr(0, 2000);
    return mount_rc == 10 ? "attach" : "mount";
  }
  t = Clock::now();
  std::string failed;
  absl::StatusOr<oracle::TreeSnapshot> tree = oracle::WalkTree(o_.mount_point);
  // Without an oracle (the workload logged no ops) there is nothing to
  // compare the tree with; walking it still reads every file and directory
  // back, which is a check of its own.
  if (!tree.ok()) {
    r["oracle_error"] = std::string(tree.status().message());
    failed = "oracle:walk";
  } else if (oracle_ != nullptr) {
    const std::vector<oracle::Violation> v = oracle::Check(oracle_->ExpectAt(s.op), *tree);
    if (!v.empty()) {
      ojson list = ojson::array();
      for (const oracle::Violation& x : v) {
        list.push_back({{"rule", x.rule}, {"path", x.path}, {"words", x.words}});
      }
      r["violations"] = list;
      failed = absl::StrCat("oracle:", v.front().rule);
    }
  }
  times["oracle"] = MsSince(t);
  t = Clock::now();
  absl::StatusOr<oracle::SpaceReport> space =
      oracle::SpaceCheck(o_.mount_point, o_.baseline_free, slack_);
  times["space"] = MsSince(t);
  if (!space.ok()) {
    r["space_error"] = std::string(space.status().message());
    if (failed.empty()) failed = "space";
  } else {
    r["space"] = {{"baseline", space->baseline}, {"free_after", space->free_after},
                  {"missing", space->missing}, {"slack", space->slack},
                  {"removed", space->removed}, {"errors", space->errors}};
    if (failed.empty() && !space->ok()) failed = "space";
  }
  return failed;
}

absl::StatusOr<StateLog> StateChecker::ClassifyStateLog(const KmsgReader::Batch& log) const {
  StateLog out;
  const std::string text = RenderDmesg(log.records);
  for (absl::string_view l : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    out.lines.emplace_back(l);
  }
  bool serious = false;
  for (const KernelRecord& r : log.records) serious = serious || r.level <= kClassifyLevel;
  if (!serious) return out;
  FF_ASSIGN_OR_RETURN(out.classification,
                      ClassifyText(text, absl::StrCat(o_.guest_lib, "/classify-dmesg.sh")));
  return out;
}

absl::StatusOr<ojson> StateChecker::Check(
    const CrashState& s, std::function<absl::Status(FaultLayer&, const FaultPlan&)> materialise) {
  ojson r = {{"id", s.Id()}, {"op", s.op}, {"variant", CrashVariantName(s.variant)},
             {"seed", s.seed}, {"torn_fraction", s.torn_fraction()}};
  ojson times = ojson::object();
  (void)kmsg_.Drain();  // what came before this state is not its own

  if (onto_) return CheckOnMtd(s, materialise, r, times);
  Clock::time_point t = Clock::now();
  FF_ASSIGN_OR_RETURN(std::unique_ptr<ServedPart> served_part,
                      ServedPart::Start(part_.get(), o_.muse_device, kMtdName, std::move(materialise)));
  const int mtd = served_part->mtd();
  times["present"] = MsSince(t);  // materialise, serve and the MTD's arrival
  std::string failed = mtd < 0 ? "present" : CheckMounted(s, mtd, r, times);
  t = Clock::now();
  Unmount(failed, r);
  const absl::Status served = served_part->Stop();  // closes /dev/muse: the MTD goes away
  times["teardown"] = MsSince(t);
  if (!served.ok() && failed.empty()) {
    failed = "server";
    r["server_error"] = std::string(served.message());
  }
  return Finish(std::move(failed), r, times);
}

absl::StatusOr<ojson> StateChecker::CheckOnMtd(
    const CrashState& s, const std::function<absl::Status(FaultLayer&, const FaultPlan&)>& materialise,
    ojson& r, ojson& times) {
  Clock::time_point t = Clock::now();
  FF_RETURN_IF_ERROR(materialise(*part_, FaultPlan{}));
  FF_RETURN_IF_ERROR(onto_->WritePart(part_->model()));
  times["materialise"] = MsSince(t);
  times["present"] = 0.0;
  std::string failed = CheckMounted(s, o_.onto_mtd, r, times);
  t = Clock::now();
  Unmount(failed, r);
  times["teardown"] = MsSince(t);
  return Finish(std::move(failed), r, times);
}

void StateChecker::Unmount(std::string& failed, ojson& r) {
  std::string out;
  const int down_rc =
      RunShell(ShellStep(o_, absl::StrCat("ex_unmount ", o_.fs, " ", o_.mount_point)), &out);
  if (down_rc != 0 && failed.empty()) {
    failed = down_rc == 21 ? "detach" : "umount";
    r["step_output"] = out.substr(0, 2000);
  }
}

absl::StatusOr<ojson> StateChecker::Finish(std::string failed, ojson& r, ojson& times) {
  const KmsgReader::Batch log = kmsg_.Drain();
  FF_ASSIGN_OR_RETURN(const StateLog slog, ClassifyStateLog(log));
  if (failed.empty() && slog.classification.bugs() > 0) failed = "kernel";
  ojson bugs = ojson::object();
  for (const std::string& k : BugKinds()) {
    const int64_t n = slog.classification.counts.count(k) ? slog.classification.counts.at(k) : 0;
    if (n > 0) bugs[k] = n;
  }
  ojson lines = ojson::array();
  for (const std::string& l : slog.lines) {
    if (lines.size() < kMaxLogLines) lines.push_back(l);
  }
  r["kernel_log"] = lines;
  r["kernel_log_lines"] = slog.lines.size();
  r["kernel_log_lost"] = log.lost;
  r["kernel_bugs"] = bugs;
  if (!failed.empty()) {
    r["failed"] = failed;
    r["signature"] = MakeSignature(failed, slog.classification, slog.lines).Text();
  }
  r["result"] = failed.empty() ? "pass" : "fail";
  r["ms"] = times;
  return r;
}

// Checks states in order with one cursor; bisect walks the boundaries by
// halving (a new cursor whenever it must go back).
class Explorer {
 public:
  Explorer(const AgentOptions& o, std::FILE* out) : o_(o), out_(out) {}
  ~Explorer() {
    if (states_ != nullptr) std::fclose(states_);
  }
  absl::StatusOr<AgentSummary> Run();

 private:
  absl::StatusOr<bool> CheckOne(const CrashState& s);  // true: it failed
  bool OutOfBudget() const {
    return o_.budget_seconds > 0 &&
           std::chrono::duration<double>(Clock::now() - start_).count() > o_.budget_seconds;
  }
  void Progress(uint64_t done, uint64_t total);

  const AgentOptions& o_;
  std::FILE* out_;
  std::FILE* states_ = nullptr;  // full state records (AgentOptions::states_file)
  Clock::time_point start_ = Clock::now();
  std::unique_ptr<LogReplayer> cursor_;
  std::unique_ptr<StateChecker> checker_;
  std::optional<oracle::OracleModel> oracle_;
  oracle::Slack slack_;
  Geometry geometry_;
  AgentSummary summary_;
};

void Explorer::Progress(uint64_t done, uint64_t total) {
  const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = secs > 0 ? done * 60.0 / secs : 0;
  const double eta = rate > 0 && total > done ? (total - done) * 60.0 / rate : 0;
  std::fprintf(stderr, "STEP explore %llu/%llu states, %.1f/min, %llu failed, eta %.0fs\n",
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), rate,
               static_cast<unsigned long long>(summary_.failed), eta);
}

absl::StatusOr<bool> Explorer::CheckOne(const CrashState& s) {
  if (cursor_->next_op() > s.op) {  // bisect went back: a fresh cursor
    FF_ASSIGN_OR_RETURN(cursor_, LogReplayer::Open(o_.events));
  }
  LogReplayer& cursor = *cursor_;
  FF_ASSIGN_OR_RETURN(
      ojson r, checker_->Check(s, [&cursor, cut = s.ToCut()](FaultLayer& l, const FaultPlan& p) {
        return MaterialiseCrashState(cursor, cut, p, l);
      }));
  ++summary_.checked;
  // When the state was done, in seconds since the checks began: the report's
  // states-per-minute curve and a finding's first-seen time.
  r["at_s"] = std::chrono::duration<double>(Clock::now() - start_).count();
  const bool failed = r["result"] == "fail";
  if (failed) ++summary_.failed;
  if (states_ != nullptr) {
    std::fprintf(states_, "%s\n", r.dump().c_str());
    std::fflush(states_);
    // The console line stays short: a 16550 under TCG moves ~40 KB/s.
    for (const char* bulky : {"kernel_log", "violations", "space", "step_output"}) r.erase(bulky);
  }
  std::fprintf(out_, "FFSTATE %s\n", r.dump().c_str());
  std::fflush(out_);
  return failed;
}

absl::StatusOr<AgentSummary> Explorer::Run() {
  if (!o_.states_file.empty()) {
    states_ = std::fopen(o_.states_file.c_str(), "we");
    if (states_ == nullptr) {
      return absl::NotFoundError(absl::StrCat("cannot create ", o_.states_file, ": ", std::strerror(errno)));
    }
  }
  FF_ASSIGN_OR_RETURN(cursor_, LogReplayer::Open(o_.events));
  geometry_ = cursor_->cursor().geometry();
  if (std::filesystem::exists(o_.op_log)) {
    FF_ASSIGN_OR_RETURN(oracle::OpLog log, oracle::LoadOpLog(o_.op_log));
    FF_ASSIGN_OR_RETURN(oracle::FsProfile profile, oracle::ParseFsProfile(o_.fs));
    FF_ASSIGN_OR_RETURN(oracle::OracleModel model,
                        oracle::OracleModel::Build(std::move(log), profile));
    oracle_.emplace(std::move(model));
  } else {
    std::fprintf(stderr, "explore: %s does not exist: the workload logged no ops, so states are "
                 "checked without an oracle (attach, mount, self-checks, reading the tree back, "
                 "space, the kernel log)\n", o_.op_log.c_str());
  }
  if (o_.slack.empty()) {
    slack_ = oracle::DefaultSlack();
  } else {
    FF_ASSIGN_OR_RETURN(slack_, oracle::ParseSlack(o_.slack));
  }
  FF_ASSIGN_OR_RETURN(std::unique_ptr<FaultLayer> part, StateChecker::MakePart(geometry_));
  checker_ = std::make_unique<StateChecker>(o_, std::move(part),
                                            oracle_ ? &*oracle_ : nullptr, slack_);
  FF_RETURN_IF_ERROR(checker_->OpenReference());

  FF_ASSIGN_OR_RETURN(std::vector<LoggedOp> logged, LogReplayer::ScanOps(o_.events));
  std::vector<RecordedOp> ops;
  ops.reserve(logged.size());
  for (const LoggedOp& op : logged) {
    RecordedOp::Kind k = RecordedOp::Kind::kOther;
    if (op.op == "read" || op.op == "isbad" || op.op == "sync") k = RecordedOp::Kind::kRead;
    if (op.op == "write") k = RecordedOp::Kind::kWrite;
    if (op.op == "erase") k = RecordedOp::Kind::kErase;
    ops.push_back({op.index, k});
  }
  const std::vector<CrashState> states = SelectCrashStates(ops, o_.selection);
  summary_.space = CountCrashStates(ops, o_.selection);
  summary_.selected = states.size();
  std::fprintf(stderr, "explore: %zu of %llu crash states (ops %llu..%llu of %zu)\n", states.size(),
               static_cast<unsigned long long>(summary_.space),
               static_cast<unsigned long long>(o_.selection.first_op),
               static_cast<unsigned long long>(std::min<uint64_t>(o_.selection.last_op, ops.size())),
               ops.size());
  if (o_.selection.mode.kind == ExploreMode::Kind::kBisect && !states.empty()) {
    // The first failing boundary, assuming a cut that fails stays failing
    // for later cuts; reported as found or "none failed".
    size_t lo = 0, hi = states.size() - 1;
    FF_ASSIGN_OR_RETURN(bool last_fails, CheckOne(states[hi]));
    if (last_fails) {
      while (lo < hi && !OutOfBudget()) {
        const size_t mid = lo + (hi - lo) / 2;
        FF_ASSIGN_OR_RETURN(bool fails, CheckOne(states[mid]));
        if (fails) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
        Progress(summary_.checked, summary_.checked + 1);
      }
      std::fprintf(out_, "FFEXPLORE first_failing %s\n", states[hi].Id().c_str());
    }
  } else {
    for (size_t i = 0; i < states.size(); ++i) {
      if (OutOfBudget()) {
        summary_.budget_ran_out = true;
        break;
      }
      FF_ASSIGN_OR_RETURN(bool failed, CheckOne(states[i]));
      (void)failed;
      if ((i + 1) % 10 == 0 || i + 1 == states.size()) Progress(i + 1, states.size());
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
  ojson sum = {{"space", summary_.space}, {"selected", summary_.selected},
               {"oracle", oracle_.has_value()},
               {"checked", summary_.checked}, {"failed", summary_.failed},
               {"budget_ran_out", summary_.budget_ran_out}, {"seconds", secs},
               {"states_per_minute", secs > 0 ? summary_.checked * 60.0 / secs : 0.0}};
  std::fprintf(out_, "FFEXPLORE summary %s\n", sum.dump().c_str());
  std::fflush(out_);
  return summary_;
}

}  // namespace

absl::StatusOr<AgentSummary> RunExploreAgent(const AgentOptions& options, std::FILE* out) {
  Explorer e(options, out);
  return e.Run();
}

}  // namespace flashfault::campaign
