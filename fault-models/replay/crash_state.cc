// Crash-state materialisation; see crash_state.h.
#include "fault-models/replay/crash_state.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flashfault {

absl::Status MaterialiseCrashState(LogReplayer& cursor, const CrashCut& cut,
                                   const FaultPlan& serving_plan, FaultLayer& target) {
  if (cursor.next_op() > cut.op) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the replay is past op ", cut.op, " already (at op ", cursor.next_op(), ")"));
  }
  if (cut.torn_fraction < 0.0 || cut.torn_fraction >= 1.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("torn_fraction must lie in [0, 1), got ", cut.torn_fraction));
  }
  FF_RETURN_IF_ERROR(cursor.AdvanceThrough(static_cast<int64_t>(cut.op) - 1));
  if (cursor.next_op() != cut.op) {
    return absl::OutOfRangeError(absl::StrCat(cursor.path(), ": the log ends at op ",
                                              cursor.next_op(), ", before op ", cut.op));
  }
  // Op indices restart at 0 on the target, so "at_op 0" is op cut.op.
  FaultPlan plan;
  plan.seed = cut.seed;
  if (cut.torn_fraction > 0.0) {
    FaultSpec power;
    power.id = "crash";
    power.kind = FaultKind::kPowerCut;
    power.when.at_op = 0;
    power.torn_fraction = cut.torn_fraction;
    power.unstable = cut.unstable;
    plan.faults.push_back(power);
  }
  // Restart, not Reset: the sync overwrites whatever differs, and wiping a
  // part only to copy it back costs two passes over it per state.
  FF_RETURN_IF_ERROR(target.Restart(plan));
  FF_RETURN_IF_ERROR(target.model().SyncStateFrom(cursor.cursor().model()));
  if (cut.torn_fraction > 0.0) {
    FF_ASSIGN_OR_RETURN(const absl::Status torn, cursor.IssueNextOpOn(target));
    if (torn.ok()) {
      return absl::InternalError(absl::StrCat("op ", cut.op, " was not cut (nothing to tear?)"));
    }
  }
  // Power back on with the serving plan: what the cut did stays in the cells.
  target.PowerOn();
  return target.ReplacePlan(serving_plan);
}

absl::Status MaterialiseCrashState(const std::string& log_path, const CrashCut& cut,
                                   const FaultPlan& serving_plan, FaultLayer& target) {
  FF_ASSIGN_OR_RETURN(std::unique_ptr<LogReplayer> cursor, LogReplayer::Open(log_path));
  return MaterialiseCrashState(*cursor, cut, serving_plan, target);
}

}  // namespace flashfault
