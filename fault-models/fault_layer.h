// FaultLayer: the flash part as the kernel sees it, with faults. It wraps a
// NandModel behind the same FlashDevice interface and injects the faults of
// a FaultPlan, one family per spec (fault_family.h).
//
// Every operation follows one fixed order:
//   1. op index assigned (device-wide, 0-based, refused ops included);
//   2. power check: with the power off every op returns Unavailable (-EIO);
//   3. the families whose ops match run in plan order: they evaluate their
//      triggers and apply their faults (before the model, or around it when
//      they forward the op themselves; the first one that takes the op over
//      ends the round);
//   4. the op reaches the model unless a family took it over;
//   5. counters, then the OnFault records (already emitted in 3) are
//      followed by the op's OnOp record.
// Injected failures carry a payload (IsInjectedFault) so they are never
// mistaken for errors of the model itself.
//
// With decoding on (FaultLayerOptions::decode, or a fault aimed by meaning),
// step 3 is preceded by the op's meaning: each page (erase, isbad, markbad:
// each block) classified by MeaningTracker (meaning_tracker.h), which sees
// every write for it, so OpState::meanings tells families and the log what
// the op touches; an image the model starts with is learned before the
// first op.
// With no faults, no sink, no decoding and power on, each op costs one
// predictable branch over the bare model. Not thread-safe: the caller serialises ops (the
// server does). Decisions depend only on the plan, its seed and the op
// sequence (plus the virtual clock): no wall clock, no global RNG.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/model/nand_model.h"
#include "fault-models/event_sink.h"
#include "fault-models/fault_family.h"
#include "fault-models/fault_spec.h"
#include "fault-models/meaning_tracker.h"

namespace flashfault {

struct FaultLayerOptions {
  EventSink* sink = nullptr;  // not owned; null = no log
  // Called by the latency family; null = really sleep (std::this_thread).
  std::function<void(uint64_t us)> sleeper;
  // Classify every op by what the flash holds (UBI, UBIFS, JFFS2) and log
  // it (OpRecord::meanings). Faults aimed by meaning and field mutations
  // turn classification on by themselves, without logging it.
  bool decode = false;
};

// Per fault: how often its trigger matched and fired, and how many faults
// it injected (a firing may inject several, e.g. a cut and a paired page).
struct FaultStats {
  std::string id;
  FaultKind kind = FaultKind::kReadBitflip;
  uint64_t matches = 0;
  uint64_t fires = 0;
  uint64_t injected = 0;
};

// True if `status` was made by an injected fault (not by the model).
bool IsInjectedFault(const absl::Status& status);

class FaultLayer final : public FlashDevice {
 public:
  // Validates `plan` against the model's geometry (ids unique and
  // non-empty, partitions resolved, ranges inside the part, parameters of
  // each kind) and applies attach-time faults (factory bad blocks), which
  // are logged with op index -1 after the sink's OnStart.
  static absl::StatusOr<std::unique_ptr<FaultLayer>> Create(std::unique_ptr<NandModel> model,
                                                            const FaultPlan& plan,
                                                            FaultLayerOptions options = {});
  ~FaultLayer() override;

  const Geometry& geometry() const override { return model_->geometry(); }
  absl::StatusOr<ReadReport> Read(const FlashOp& op, std::span<uint8_t> data,
                                  std::span<uint8_t> oob) override;
  absl::Status Write(const FlashOp& op, std::span<const uint8_t> data,
                     std::span<const uint8_t> oob) override;
  absl::Status Erase(uint64_t addr, uint64_t len) override;
  absl::StatusOr<bool> IsBad(uint64_t addr) override;
  absl::Status MarkBad(uint64_t addr) override;
  absl::Status Sync() override;

  // Arms the on-demand fault `id`: its next matching op fires.
  // NotFound for an unknown id, FailedPrecondition if not on_demand.
  absl::Status Arm(absl::string_view id);
  // Virtual time, for retention and after_time_us triggers. Never decreases.
  void AdvanceClock(uint64_t us);
  uint64_t now_us() const { return now_us_; }
  // Power comes back after a cut; cells torn by it stay as they are.
  void PowerOn();
  // Cuts the power between two operations (nothing is in flight, so nothing
  // is torn); `by` names who did it in later Unavailable errors.
  void CutPower(absl::string_view by);
  // Replaces the whole plan between two operations. The new plan is checked
  // as Create() checks it; on error nothing changes. Op indices and the cells
  // continue; the new faults' triggers start afresh, attach-time faults of
  // the new plan (factory bad blocks) are applied now, and the sink gets a
  // new start record.
  absl::Status ReplacePlan(const FaultPlan& plan);
  // Starts over as Create(model, plan, same options) would with a fresh
  // model: the plan is checked first (on error nothing changes), then the
  // model is reset (NandModel::Reset), op indices and the clock restart at
  // 0, the power is on, the new faults start afresh and the sink gets a new
  // start record. Nothing of the earlier session remains, so a caller that
  // runs many short sessions (fuzzer inputs) keeps one layer and its buffers.
  absl::Status Reset(const FaultPlan& plan);
  // Reset without touching the cells: everything of the session restarts
  // (faults, op indices, clock, power on, a new start record) but the model
  // keeps its contents, for a caller that is about to overwrite them itself
  // (crash states sync the part from the replay cursor: crash_state.h).
  absl::Status Restart(const FaultPlan& plan);
  bool powered() const { return powered_; }
  // Whether queries (reads and isbad) must pass through the layer for faults
  // and the log to stay exact: a family acts on them, a trigger names a
  // device-wide op index (which every query advances), ops are logged, or
  // the power is off. When false, a query of a good block whose pages carry
  // no cell errors changes nothing here but op_count(), so a server may
  // answer it from the store without the layer (the module's direct reads,
  // harness/server/direct_reads.h).
  bool QueriesObserved() const;

  // Appends one fault to the plan between two operations (the byte-stream
  // source's way in). Checked as Create() checks a spec; on error nothing
  // changes. The family gets the seed it would have had in the plan from the
  // start (FaultSeed(plan seed, id)) and is attached now, so a fault whose
  // trigger cannot fire before the next op (when.at_op >= op_count()) acts
  // exactly as if it had been in the plan passed to Create(). Not logged in
  // the start record: export the plan for a replayable log.
  absl::Status AddFault(const FaultSpec& spec);

  // Whether ops are classified by meaning, and what the classifier learned
  // so far (null when not decoding).
  bool decoding() const { return meaning_ != nullptr; }
  const decoders::FlashMeaning* flash_meaning() const {
    return meaning_ ? &meaning_->flash() : nullptr;
  }

  uint64_t op_count() const { return next_op_; }
  uint64_t seed() const { return seed_; }
  std::vector<FaultStats> stats() const;
  // Injected faults of `id` (0 for an unknown id).
  uint64_t injected(absl::string_view id) const;
  NandModel& model() { return *model_; }

 private:
  class Env;
  FaultLayer(std::unique_ptr<NandModel> model, uint64_t seed, FaultLayerOptions options);

  OpState Describe(uint64_t index, uint32_t op) const;
  void PlaceData(OpState& st, uint64_t addr, uint64_t data_len, uint32_t ooboffs, uint64_t oob_len,
                 OobMode mode) const;
  void PlaceBlocks(OpState& st, uint64_t addr, uint64_t len) const;
  // The slow path of isbad/markbad up to the model: refuses the op without
  // power (logged; returns false), else places it on the block of `addr`
  // and runs the families.
  bool BeginBlockOp(OpState& st, uint64_t addr);
  // The same for reads and writes: places st.flash_op's data and OOB.
  bool BeginDataOp(OpState& st, uint64_t data_len, uint64_t oob_len);
  // Steps 3 and, for a cut, the power state.
  void RunFamilies(OpState& st);
  void Finish(const OpState& st, absl::StatusCode code, const ReadReport* report, bool bad);
  void UndoReadToggles();
  // Power off, by the fault or caller `by`.
  void LosePower(absl::string_view by);
  void Install(const FaultPlan& plan, std::vector<std::unique_ptr<FaultFamily>> families);
  absl::Status StartOver(const FaultPlan& plan, bool wipe_model);  // Reset and Restart
  // Routes `f` to the ops it acts on and, if it asks, to change notices.
  void Register(FaultFamily* f);
  void UpdateSlowPath() {
    slow_ = !families_.empty() || sink_ != nullptr || !powered_ || meaning_ != nullptr;
  }
  // Decoding on or off as the options and the plan want (fault_layer_meaning.cc).
  void UpdateDecoding();
  // Sets st.meanings for a placed op (learning the store first if needed).
  // A page read (most ops of all: a lookup) and a write whose meaning is
  // read start here; the rest goes out of line.
  void Decode(OpState& st) {
    if (meaning_ == nullptr || !st.placed) return;
    if ((st.op & meaning_ops_ & (kOpRead | kOpWrite)) != 0 && meaning_->learned()) [[likely]] {
      st.meanings = st.op == kOpRead
                        ? meaning_->ForRead(*model_, st.flash_op.addr, st.read_data.size(),
                                            st.first_page, st.page_count, meaning_buf_)
                        : meaning_->ForWrite(*model_, st.flash_op.addr, st.write_data,
                                             st.first_page, st.page_count, meaning_buf_);
      return;
    }
    DecodeOther(st);
  }
  void DecodeOther(OpState& st);
  // A placed write: its meanings when somebody reads them, else only what it teaches.
  void DecodeWrite(OpState& st);
  // A write that did not program what it was given: classify again when asked.
  void WriteDone(const OpState& st);
  // A family replaced a write's bytes (field mutation): observe what is written.
  void Redecode(OpState& st);

  absl::StatusOr<ReadReport> ReadSlow(const FlashOp& op, std::span<uint8_t> data,
                                      std::span<uint8_t> oob);
  absl::Status WriteSlow(const FlashOp& op, std::span<const uint8_t> data,
                         std::span<const uint8_t> oob);

  std::unique_ptr<NandModel> model_;
  uint64_t seed_;
  EventSink* sink_;
  std::function<void(uint64_t)> sleeper_;
  std::unique_ptr<Env> env_;
  bool decode_option_;
  std::unique_ptr<MeaningTracker> meaning_;          // null: not decoding
  uint32_t meaning_ops_ = 0;  // OpMask: the ops whose meanings are read (Decode)
  std::vector<decoders::PageMeaning> meaning_buf_;   // the op in flight's meanings
  std::vector<std::unique_ptr<FaultFamily>> families_;  // plan order
  std::vector<FaultFamily*> by_op_[6];                  // per OpMask bit, plan order
  std::vector<FaultFamily*> listeners_;                 // wants_changes()
  // Cells inverted for the read in flight. Inverting is its own inverse, so
  // undoing means inverting the same cells again, in any order.
  struct Toggle {
    uint64_t page;
    uint32_t bit;
  };
  std::vector<Toggle> toggles_;
  struct MaskToggle {
    uint64_t page;
    std::vector<uint64_t> mask;
  };
  // The first mask_toggles_used_ entries are live; the rest keep their
  // buffers for the next read.
  std::vector<MaskToggle> mask_toggles_;
  size_t mask_toggles_used_ = 0;
  absl::Status no_power_;  // what ops return while the power is off (names who cut it)
  uint64_t next_op_ = 0;
  uint64_t now_us_ = 0;
  bool powered_ = true;
  bool slow_ = false;
  bool miscorrecting_ = false;  // the read in flight has miscorrections to clear
};

}  // namespace flashfault
