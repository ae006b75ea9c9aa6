// The fault layer's control between ops: arming on-demand faults, cutting
// and restoring power, the virtual clock, and whether queries must pass
// through the layer (fault_layer.h). Must not run an op.
#include <bit>

#include "absl/strings/str_cat.h"
#include "fault-models/fault_layer.h"

namespace flashfault {

absl::Status FaultLayer::Arm(absl::string_view id) {
  for (const auto& f : families_) {
    if (f->spec().id != id) continue;
    if (!f->spec().when.on_demand) {
      return absl::FailedPreconditionError(
          absl::StrCat("fault '", id, "' is not on_demand; it fires by its own trigger"));
    }
    f->trigger().Arm();
    if (sink_ != nullptr) {
      sink_->OnControl({.before_op = next_op_, .kind = ControlKind::kArm, .us = 0, .id = id});
    }
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("no fault '", id, "' in the plan"));
}

void FaultLayer::CutPower(absl::string_view by) {
  LosePower(by);
  if (sink_ != nullptr) {
    sink_->OnControl({.before_op = next_op_, .kind = ControlKind::kPowerOff, .us = 0, .id = by});
  }
}

bool FaultLayer::QueriesObserved() const {
  if (sink_ != nullptr || !powered_ || !by_op_[std::countr_zero(uint32_t{kOpRead})].empty() ||
      !by_op_[std::countr_zero(uint32_t{kOpIsBad})].empty()) {
    return true;
  }
  for (const auto& f : families_) {
    if (f->spec().when.at_op) return true;
  }
  return false;
}

void FaultLayer::PowerOn() {
  powered_ = true;
  no_power_ = absl::OkStatus();
  UpdateSlowPath();
  if (sink_ != nullptr) {
    sink_->OnControl({.before_op = next_op_, .kind = ControlKind::kPowerOn, .us = 0, .id = {}});
  }
}

void FaultLayer::AdvanceClock(uint64_t us) {
  now_us_ += us;
  if (sink_ != nullptr) {
    sink_->OnControl({.before_op = next_op_, .kind = ControlKind::kClock, .us = us, .id = {}});
  }
}

}  // namespace flashfault
