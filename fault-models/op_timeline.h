// OpTimelineSink: the story of a run along its op sequence in a few hundred
// numbers, for reports (harness/server/device_summary.h writes it out,
// `flashfault report` draws it): how many operations of each kind, how many
// of them failed, and how many faults of each kind were injected, per bin of
// consecutive op indexes, plus the injected faults per eraseblock.
//
// It is an EventSink that forwards every record unchanged to the next sink
// (the event log, or none), so it sits in front of the log without changing
// it. Bins have a fixed count: when the ops outgrow them, neighbouring bins
// are merged pairwise and the width doubles, so memory stays bounded however
// long the run and the result depends only on the op sequence. Power cuts
// and power-ons by command (ctl records) are counted as the fault kinds
// "ctl:power_off" and "ctl:power_on" in the bin of the op they precede.
// Attach-time faults (op index -1) count in bin 0.
//
// Must not: change, delay or drop any record it forwards, or keep per-op
// state (a run may have billions of ops).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fault-models/event_sink.h"

namespace flashfault {

class OpTimelineSink final : public EventSink {
 public:
  static constexpr size_t kMaxBins = 128;

  // `next` may be null (nothing forwarded). Not owned; must outlive this.
  explicit OpTimelineSink(EventSink* next) : next_(next) {}

  void OnStart(const RunInfo& info) override;
  void OnOp(const OpRecord& op) override;
  void OnFault(const FaultRecord& fault) override;
  void OnControl(const ControlRecord& c) override;
  absl::Status Flush() override;

  // Op indexes per bin (1, 2, 4, ...): bin b covers [b*width, (b+1)*width).
  uint64_t bin_width() const { return width_; }
  // Ops seen (the highest op index + 1).
  uint64_t ops() const { return ops_; }
  // Bins in use: ceil(ops / width), at least one when anything was counted.
  size_t bins() const;
  // Per op name ("read", "write", ...) and "failed": counts per bin.
  const std::map<std::string, std::vector<uint64_t>>& op_counts() const { return op_counts_; }
  // Per fault kind ("read_bitflip", ..., "ctl:power_off"): counts per bin.
  const std::map<std::string, std::vector<uint64_t>>& fault_counts() const { return fault_counts_; }
  // Injected faults per eraseblock (faults with a block only).
  const std::map<int64_t, uint64_t>& faults_per_block() const { return faults_per_block_; }

 private:
  // Counts one event at op `index` into `series`, widening the bins first
  // when `index` is beyond them.
  void Count(std::vector<uint64_t>& series, uint64_t index);
  void Widen();

  EventSink* next_;
  uint64_t width_ = 1;
  uint64_t ops_ = 0;
  std::map<std::string, std::vector<uint64_t>> op_counts_;
  std::map<std::string, std::vector<uint64_t>> fault_counts_;
  std::map<int64_t, uint64_t> faults_per_block_;
};

}  // namespace flashfault
