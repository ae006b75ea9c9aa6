// ByteStreamSource: faults chosen by a byte stream (a libFuzzer input), one
// decision per operation, turned into ordinary FaultSpecs.
//
// Design: before op i runs, the source reads a few bytes (ByteReader:
// integers off the end) and either passes or produces one FaultSpec pinned to
// that op: when.at_op = i, when.ops = the op's kind, max_fires = 1, and
// where.blocks / where.pages pinned to the op's block and page (byte windows
// and parameters also drawn from the stream). The spec goes into the fault
// layer through FaultLayer::AddFault, so the injection itself is done by the
// usual family code, and into plan(), the decisions taken so far. Some
// selectors aim the fault by meaning instead (where.meaning, counted from
// the op with when.after_op): it fires on a later op of the same kind whose
// pages hold the structure named (a master node, a VID header being copied,
// a JFFS2 dirent, ...). Because an at_op trigger cannot fire (nor draw from
// its RNG) before its op, nor an after_op trigger count anything, running
// plan() from the start through FaultLayer::Create with the same ops gives
// the same faults: PlanToJson(plan()) is the readable reproducer.
//
// Same stream + same op sequence => same decisions (no other input). A
// stream that runs out means "no more faults". It must not inject by itself
// or touch the device: StreamFaultDevice does the plumbing.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "backends/model/flash_device.h"
#include "fault-models/fault_layer.h"
#include "fault-models/fault_spec.h"
#include "fault-models/stream/byte_reader.h"

namespace flashfault {

// The op about to run, as far as fault placement cares.
struct OpView {
  uint32_t op = 0;       // one OpMask bit
  bool placed = false;   // addresses a page (read/write) or block on the device
  uint32_t block = 0;
  uint32_t page = 0;     // inside the block (0 for block ops)
};

// OpView of each MTD call on `g` (the same placement the fault layer uses,
// reduced to the first page or block).
OpView ViewData(const Geometry& g, uint32_t op, uint64_t addr, uint64_t data_len,
                uint64_t oob_len);
OpView ViewBlock(const Geometry& g, uint32_t op, uint64_t addr);
OpView ViewSync();

class ByteStreamSource {
 public:
  // `stream` is not copied: it must outlive the source. `seed` becomes the
  // plan's seed (the families' RNG seeds derive from it and the fault ids).
  ByteStreamSource(std::span<const uint8_t> stream, uint64_t seed, const Geometry& g);

  // The decision for op `index`: a spec to add (the last of plan(), valid
  // until the next Decide or DropLast), or null. Consumes stream bytes
  // whether or not a fault results, so later decisions shift only with the
  // op sequence, never with the device's answers.
  const FaultSpec* Decide(uint64_t index, const OpView& op);
  // Forgets the last decision (the layer refused it; should not happen).
  void DropLast() { plan_.faults.pop_back(); }

  // Every decision taken so far, in op order: an equivalent fault plan.
  const FaultPlan& plan() const { return plan_; }

 private:
  Range ByteWindow();

  ByteReader reader_;
  const Geometry& g_;
  FaultPlan plan_;
};

// A FlashDevice that asks `source` before each op and adds its faults to
// `layer`, then forwards the op to `layer`. Neither is owned.
class StreamFaultDevice final : public FlashDevice {
 public:
  StreamFaultDevice(FaultLayer& layer, ByteStreamSource& source)
      : layer_(layer), source_(source) {}

  const Geometry& geometry() const override { return layer_.geometry(); }
  absl::StatusOr<ReadReport> Read(const FlashOp& op, std::span<uint8_t> data,
                                  std::span<uint8_t> oob) override;
  absl::Status Write(const FlashOp& op, std::span<const uint8_t> data,
                     std::span<const uint8_t> oob) override;
  absl::Status Erase(uint64_t addr, uint64_t len) override;
  absl::StatusOr<bool> IsBad(uint64_t addr) override;
  absl::Status MarkBad(uint64_t addr) override;
  absl::Status Sync() override;

  // While off, ops go straight to the layer and consume no stream bytes:
  // the kernel fuzzer keeps the stream for the phase it fuzzes (the
  // workload) and checks recovery afterwards with no new faults.
  void set_consulting(bool on) { consulting_.store(on, std::memory_order_relaxed); }

 private:
  void Consult(const OpView& view);

  FaultLayer& layer_;
  ByteStreamSource& source_;
  std::atomic<bool> consulting_{true};
};

}  // namespace flashfault
