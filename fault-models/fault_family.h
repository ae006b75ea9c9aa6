// FaultFamily: the interface every fault family implements, and FaultEnv,
// the services the fault layer offers them.
//
// One family per file (read_bitflip.cc, power_cut.cc, ...). A family owns the
// runtime state of one FaultSpec (its trigger, RNG, cells it tracks) and acts
// on one operation at a time through Apply(). It reaches the cells only
// through FaultEnv and the model's CellErrors hooks; it must not keep its
// own copy of the device, read the wall clock, or use any RNG but its
// trigger's. Families are not thread-safe: the layer serialises ops.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "backends/model/nand_model.h"
#include "decoders/flash_meaning.h"
#include "fault-models/event_sink.h"
#include "fault-models/fault_spec.h"
#include "fault-models/trigger.h"

namespace flashfault {

// One operation as the families see it.
struct OpState {
  uint64_t index = 0;
  uint32_t op = 0;  // one OpMask bit
  FlashOp flash_op;
  std::span<uint8_t> read_data, read_oob;          // reads
  std::span<const uint8_t> write_data, write_oob;  // writes
  uint64_t addr = 0, len = 0;                      // erase, isbad, markbad
  // Whether the op addresses the device validly; when false no fault
  // applies and the model reports the error.
  bool placed = false;
  uint64_t first_page = 0, page_count = 0;  // device-wide pages touched
  uint32_t first_block = 0, block_count = 0;
  // When the layer decodes: what each page of the op means (block ops: each
  // block; NOR: one entry for the op). Empty otherwise.
  std::span<const decoders::PageMeaning> meanings;

  // Outcome set by families.
  bool handled = false;  // a family did (or refused) the op: do not forward
  absl::Status status;   // the op's result when handled
  bool cut = false;      // power is lost with this op
};

class FaultEnv {
 public:
  virtual ~FaultEnv() = default;
  virtual const Geometry& geometry() const = 0;
  virtual NandModel& model() = 0;
  virtual uint64_t now_us() const = 0;
  virtual uint64_t erases(uint32_t block) const = 0;
  // Forward to the model, then tell every family what changed.
  virtual absl::Status ForwardWrite(const OpState& op) = 0;
  virtual absl::Status ForwardErase(uint64_t addr, uint64_t len) = 0;
  // Raw cells of pages changed outside a model op (a torn erase restored
  // them): families tracking contents (stuck bits) must look again.
  virtual void PagesChanged(uint64_t first_page, uint64_t count) = 0;
  // Inverts cell `bit` of `page` for the read in flight only (read noise,
  // unstable cells); the layer undoes it when the read returns.
  virtual void ToggleForRead(uint64_t page, uint32_t bit) = 0;
  // The same for every cell set in `mask` (ecc_engine.h's order; unstable
  // cells toggle thousands at a time).
  virtual void ToggleMaskForRead(uint64_t page, std::span<const uint64_t> mask) = 0;
  // For the read in flight only: the ECC decoder of `page` miscorrects (or
  // misses) the step mc.step if it holds more errors than the strength.
  virtual void MiscorrectForRead(uint64_t page, EccEngine::Miscorrection mc) = 0;
  virtual void Sleep(uint64_t us) = 0;
  virtual void Emit(const FaultRecord& record) = 0;
  // What the layer's classifier learned (volume names), null when not decoding.
  virtual const decoders::FlashMeaning* flash_meaning() const { return nullptr; }
};

// The unit of an op a fault strikes: the op's first page (reads, writes) or
// block (erase, isbad, markbad) inside `where`.
struct Target {
  uint32_t block = 0;
  int64_t page = -1;         // inside the block; -1 for block-wide ops
  uint64_t device_page = 0;  // block * pages_per_block + page (page 0 if -1)
  bool placed = true;        // false for sync (no address)
};

class FaultFamily {
 public:
  FaultFamily(const FaultSpec& spec, uint64_t seed)
      : spec_(spec), trigger_(spec.where, spec.when, seed) {}
  virtual ~FaultFamily() = default;

  const FaultSpec& spec() const { return spec_; }
  Trigger& trigger() { return trigger_; }
  const Trigger& trigger() const { return trigger_; }
  // Injected faults so far (what tests and statistics count).
  uint64_t injected() const { return injected_; }

  // The ops Apply() must see (an OpMask); by default those of the trigger.
  virtual uint32_t ops() const { return spec_.when.ops; }
  // Whether OnProgrammed / OnErased must be called.
  virtual bool wants_changes() const { return false; }
  // Kind-specific parameter checks against the geometry.
  virtual absl::Status Validate(const Geometry&) const { return absl::OkStatus(); }
  // Once, when the layer is created (before op 0).
  virtual void Attach(FaultEnv&) {}
  // Each op in ops(), before it reaches the model, in plan order; not called
  // once an earlier family handled the op.
  virtual void Apply(FaultEnv& env, OpState& op) = 0;
  // After a read in ops() reached the model and succeeded: op.read_data is
  // what it returns (families that change what a read sees, not the cells).
  virtual void AfterRead(FaultEnv&, OpState&) {}
  // Pages [first, first+count) were programmed; block `block` was erased.
  virtual void OnProgrammed(FaultEnv&, uint64_t /*first*/, uint64_t /*count*/) {}
  virtual void OnErased(FaultEnv&, uint32_t /*block*/) {}

 protected:
  // The op's unit inside `where` (and, for an aim, the first page or block
  // whose meaning matches it), or nullopt when the op misses it.
  std::optional<Target> FindTarget(const FaultEnv& env, const OpState& op) const;
  // Whether `device_page` of `op` (block ops: its block) is what the aim
  // names; true without an aim.
  bool Aimed(const FaultEnv& env, const OpState& op, uint64_t device_page) const;
  // spec().where, with bytes narrowed to the UBI header an aim names
  // ("ubi": "ec" or "vid") when the script gave no bytes and the header
  // lies in `t`'s page: cells then land in the header itself.
  Where CellWindow(const FaultEnv& env, const Target& t) const;
  // MatchesOp + Decide: the usual way to decide.
  std::optional<Target> Strike(FaultEnv& env, const OpState& op);
  // FindTarget + Trigger::Evaluate, as when.per says: per op, the op's
  // unit inside `where` is evaluated once; per page, each page of a read or
  // write (each block of a block op) inside `where`, in order, until one
  // fires (the units after it are not counted). `eligible` (default: all)
  // leaves units out before they count as matches.
  std::optional<Target> Decide(FaultEnv& env, const OpState& op,
                               absl::FunctionRef<bool(const Target&)> eligible = AnyTarget);
  // Whether when.per counts pages and `op` is a write: the family then
  // programs the pages before the target and leaves the ones after it
  // erased, as a device that works through a request page by page does.
  bool StopsAtTarget(const OpState& op) const {
    return spec_.when.per == MatchUnit::kPage && op.op == kOpWrite;
  }
  TriggerInput Input(FaultEnv& env, const OpState& op, const Target& t) const;
  // Begins a firing: counts it in the trigger and numbers it. Records
  // injected until the next Fire() carry that number (FaultRecord::fire).
  void Fire() {
    trigger_.Fired();
    firing_ = trigger_.fires();
  }
  // Counts one injected fault and reports it (op_index -1 before op 0), as
  // part of the current firing.
  void Inject(FaultEnv& env, int64_t op_index, const Target& t, absl::string_view effect,
              std::span<const uint32_t> bits = {});
  // The same with the cells as a mask (FaultRecord::bit_mask).
  void InjectCells(FaultEnv& env, int64_t op_index, const Target& t, absl::string_view effect,
                   std::span<const uint64_t> mask);
  // An after-effect of earlier firing `fire` (not a firing of its own): a
  // re-read of cells a cut left unstable, an op refused by a block a firing
  // made bad. Counted as injected, recorded under `fire`.
  void InjectAftermath(FaultEnv& env, int64_t op_index, const Target& t, absl::string_view effect,
                       uint64_t fire, std::span<const uint64_t> mask = {});

 private:
  std::optional<Target> FindAimedTarget(const FaultEnv& env, const OpState& op) const;
  static bool AnyTarget(const Target&) { return true; }
  // The first unit of a NAND op, in address order, inside `where` and the
  // aim (reads, writes: pages; block ops: blocks) that `take` accepts.
  std::optional<Target> FirstUnit(const FaultEnv& env, const OpState& op,
                                  absl::FunctionRef<bool(const Target&)> take) const;
  std::optional<Target> DecidePerPage(FaultEnv& env, const OpState& op,
                                      absl::FunctionRef<bool(const Target&)> eligible);
  // What both Inject forms do: count, then emit one record.
  void Record(FaultEnv& env, int64_t op_index, const Target& t, absl::string_view effect,
              uint64_t fire, std::span<const uint32_t> bits, std::span<const uint64_t> mask);

 protected:

  FaultSpec spec_;
  Trigger trigger_;
  uint64_t injected_ = 0;

 private:
  uint64_t firing_ = 0;  // the number of the current firing (Fire())
};

// ---- Shared cell helpers (fault_family.cc) ----

// Which cells a fault may pick.
enum class CellFilter {
  kAny,
  kProgrammed,  // programmed bit 0 (charge to lose)
  kErased,      // programmed bit 1 (charge to gain)
};

// Up to `n` distinct bits of `device_page` inside where.bytes / where.bits
// that pass `filter` and carry no cell error yet, drawn from `rng`. Sorted.
std::vector<uint32_t> PickCells(FaultEnv& env, Rng& rng, const Where& where, uint64_t device_page,
                                uint32_t n, CellFilter filter);

// The programmed bytes (data then OOB) of a page, straight from the store.
std::span<const uint8_t> RawPage(FaultEnv& env, uint64_t device_page);
std::span<uint8_t> MutableRawPage(FaultEnv& env, uint64_t device_page);

// Bits 8*at .. 8*at+63 of `bytes` (bit i of the result is bit i % 8 of byte
// at + i / 8, as in CellErrors), zero past the end: lets the per-cell loops
// skip 64 cells at a time and visit only the cells that matter.
uint64_t CellWord(std::span<const uint8_t> bytes, uint64_t at);
// The same for 8 bytes known to lie inside the page: no bounds checks, for
// loops over a page's whole words (their compares are not free under
// coverage instrumentation).
inline uint64_t CellWordAt(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  return w;
}

// A copy of the pages an op is about to change, for tearing afterwards.
struct PageSnapshot {
  uint64_t first_page = 0, count = 0;
  std::vector<uint8_t> bytes;
  // Per page, its cell errors as a mask (NandModel::CellErrorMask); empty
  // for a page without any, the usual case.
  std::vector<std::vector<uint64_t>> errors;
};
PageSnapshot Snapshot(FaultEnv& env, uint64_t first_page, uint64_t count);

// After a program that reached the model, leaves each bit the program
// cleared (1 -> 0) still at 1 with probability 1 - done_fraction (to
// 1/65536, Rng::ChanceMask), as cell errors (the ECC sees an incomplete
// program). Returns the torn cells of each page as a mask (indexed like the
// snapshot; cell_mask_words() words each).
std::vector<std::vector<uint64_t>> TearProgram(FaultEnv& env, Rng& rng, const PageSnapshot& before,
                                               double done_fraction);

// After an erase of `block` that reached the model, puts back the old
// contents of the pages past the first round(done_fraction * pages) ones;
// the first page put back is half erased (half its 0 bits read 1). Returns
// the half-erased page (inside the block, -1 if none) and its torn cells as
// a mask.
std::pair<int64_t, std::vector<uint64_t>> TearErase(FaultEnv& env, Rng& rng, uint32_t block,
                                                    const PageSnapshot& before,
                                                    double done_fraction);

// Forwards the first `pages` pages of write `op`: its data and OOB up to
// the end of page op.first_page + pages - 1 (nothing when 0). What a write
// cut short after those pages programmed.
absl::Status ForwardWritePages(FaultEnv& env, const OpState& op, uint64_t pages);

// The status an injected failure returns: `code` with a message naming the
// fault, plus the payload kInjectedPayload = fault id, so that a real error
// is never mistaken for an injected one (IsInjectedFault in fault_layer.h).
inline constexpr char kInjectedPayload[] = "flashfault/injected";
absl::Status InjectedError(absl::StatusCode code, const FaultSpec& spec, absl::string_view what);

// Families that live in the cells' CellErrors need NAND (the NOR model has
// no ECC view); the error names the fault.
absl::Status RequireNand(const FaultSpec& spec, const Geometry& g);
absl::Status ParamError(const FaultSpec& spec, absl::string_view field, absl::string_view why);
// The checks several families share: flips >= 1 on a NAND part (cell
// families), torn_fraction in [0, 1] (program, erase, power cut).
absl::Status RequireFlipsOnNand(const FaultSpec& spec, const Geometry& g);
absl::Status RequireTornFraction(const FaultSpec& spec);

// Draws a count with mean `mean`: floor(mean) plus one with the fraction's
// probability (cheap and deterministic, good enough for rates).
uint32_t DrawCount(Rng& rng, double mean);

}  // namespace flashfault
