// Counting ops and faults along the op sequence; see op_timeline.h.
#include "fault-models/op_timeline.h"

#include <algorithm>

namespace flashfault {

void OpTimelineSink::OnStart(const RunInfo& info) {
  // A new start (a replaced plan) continues the same op sequence: keep counting.
  if (next_ != nullptr) next_->OnStart(info);
}

void OpTimelineSink::OnOp(const OpRecord& op) {
  if (op.index + 1 > ops_) ops_ = op.index + 1;
  Count(op_counts_[OpName(op.op)], op.index);
  if (op.code != absl::StatusCode::kOk) Count(op_counts_["failed"], op.index);
  if (next_ != nullptr) next_->OnOp(op);
}

void OpTimelineSink::OnFault(const FaultRecord& fault) {
  const uint64_t at = fault.op_index < 0 ? 0 : static_cast<uint64_t>(fault.op_index);
  Count(fault_counts_[FaultKindName(fault.kind)], at);
  if (fault.block >= 0) ++faults_per_block_[fault.block];
  if (next_ != nullptr) next_->OnFault(fault);
}

void OpTimelineSink::OnControl(const ControlRecord& c) {
  if (c.kind == ControlKind::kPowerOff || c.kind == ControlKind::kPowerOn) {
    Count(fault_counts_[std::string("ctl:") + ControlKindName(c.kind)], c.before_op);
  }
  if (next_ != nullptr) next_->OnControl(c);
}

absl::Status OpTimelineSink::Flush() {
  return next_ != nullptr ? next_->Flush() : absl::OkStatus();
}

size_t OpTimelineSink::bins() const {
  size_t used = 0;
  for (const auto* series : {&op_counts_, &fault_counts_}) {
    for (const auto& [name, counts] : *series) used = std::max(used, counts.size());
  }
  return used;
}

void OpTimelineSink::Count(std::vector<uint64_t>& series, uint64_t index) {
  while (index / width_ >= kMaxBins) Widen();
  const size_t bin = static_cast<size_t>(index / width_);
  if (series.size() <= bin) series.resize(bin + 1, 0);
  ++series[bin];
}

// Bin b of the doubled width holds old bins 2b and 2b+1.
void OpTimelineSink::Widen() {
  for (auto* all : {&op_counts_, &fault_counts_}) {
    for (auto& [name, counts] : *all) {
      std::vector<uint64_t> merged((counts.size() + 1) / 2, 0);
      for (size_t i = 0; i < counts.size(); ++i) merged[i / 2] += counts[i];
      counts = std::move(merged);
    }
  }
  width_ *= 2;
}

}  // namespace flashfault
