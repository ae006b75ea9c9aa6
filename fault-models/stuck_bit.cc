// stuck_bit family; see stuck_bit.h. A stuck cell deviates from the codeword
// exactly when the programmed bit differs from the stuck value, so after
// every erase and program of its page the family reconciles the page's cell
// errors with the new programmed bits. Must not change programmed bytes.
#include "fault-models/stuck_bit.h"

#include <algorithm>
#include <map>

namespace flashfault {
namespace {

class StuckBit final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  bool wants_changes() const override { return true; }

  absl::Status Validate(const Geometry& g) const override {
    if (spec_.flips == 0) return ParamError(spec_, "flips", "must be at least 1");
    if (spec_.stuck_value > 1) return ParamError(spec_, "stuck_value", "must be 0 or 1");
    return RequireNand(spec_, g);
  }

  // The stuck cells are drawn here, once, so they never depend on the ops.
  void Attach(FaultEnv& env) override {
    if (spec_.where.meaning) return;  // drawn when an aimed page is struck
    const Geometry& g = env.geometry();
    const Where& w = spec_.where;
    const Range span = w.blocks.value_or(Range{0, g.block_count - 1u});
    // The blocks the cells may sit in: the range, or the listed blocks inside it.
    std::vector<uint64_t> listed;
    for (uint64_t b : w.block_list) {
      if (span.Contains(b)) listed.push_back(b);
    }
    const uint64_t nblocks = w.block_list.empty() ? span.last - span.first + 1 : listed.size();
    const Range pages = w.pages.value_or(Range{0, g.pages_per_block - 1u});
    const Range bytes = w.bytes.value_or(Range{0, g.page_size + g.oob_size - 1u});
    const Range bits = w.bits.value_or(Range{0, 7});
    const uint64_t region = nblocks * (pages.last - pages.first + 1) *
                            (bytes.last - bytes.first + 1) * (bits.last - bits.first + 1);
    Rng& rng = trigger_.rng();
    uint32_t placed = 0;
    for (uint64_t tries = 0;
         placed < spec_.flips && placed < region && tries < uint64_t{spec_.flips} * 32 + 64;
         ++tries) {
      const uint64_t pick = rng.Below(nblocks);
      const uint64_t block = w.block_list.empty() ? span.first + pick : listed[pick];
      const uint64_t page = pages.first + rng.Below(pages.last - pages.first + 1);
      const uint64_t byte = bytes.first + rng.Below(bytes.last - bytes.first + 1);
      const uint64_t bit = bits.first + rng.Below(bits.last - bits.first + 1);
      std::vector<uint32_t>& cells = cells_[block * g.pages_per_block + page];
      const uint32_t index = static_cast<uint32_t>(byte * 8 + bit);
      if (std::find(cells.begin(), cells.end(), index) != cells.end()) continue;
      cells.push_back(index);
      ++placed;
    }
  }

  // Any op in `where` may bring the cells to life; after that they stay.
  void Apply(FaultEnv& env, OpState& op) override {
    if (spec_.where.meaning) {
      StrikeAimed(env, op);
      return;
    }
    if (active_) return;
    std::optional<Target> t = Strike(env, op);
    if (!t) return;
    active_ = true;
    Fire();
    for (auto& [page, cells] : cells_) {
      Reconcile(env, page);
      const uint32_t ppb = env.geometry().pages_per_block;
      Target at{.block = static_cast<uint32_t>(page / ppb),
                .page = static_cast<int64_t>(page % ppb),
                .device_page = page};
      Inject(env, static_cast<int64_t>(op.index), at, spec_.stuck_value ? "stuck1" : "stuck0",
             cells);
    }
  }

  void OnProgrammed(FaultEnv& env, uint64_t first, uint64_t count) override {
    if (!active_) return;
    for (auto it = cells_.lower_bound(first); it != cells_.end() && it->first < first + count;
         ++it) {
      Reconcile(env, it->first);
    }
  }

  void OnErased(FaultEnv& env, uint32_t block) override {
    const uint32_t ppb = env.geometry().pages_per_block;
    OnProgrammed(env, uint64_t{block} * ppb, ppb);
  }

 private:
  // The aimed form: every firing makes `flips` more cells of the page it
  // struck stuck, from now on.
  void StrikeAimed(FaultEnv& env, OpState& op) {
    std::optional<Target> t = Strike(env, op);
    if (!t) return;
    std::vector<uint32_t> bits = PickCells(env, trigger_.rng(), CellWindow(env, *t),
                                           t->device_page, spec_.flips, CellFilter::kAny);
    std::vector<uint32_t>& cells = cells_[t->device_page];
    for (uint32_t b : bits) {
      if (std::find(cells.begin(), cells.end(), b) == cells.end()) cells.push_back(b);
    }
    active_ = true;
    Fire();
    Reconcile(env, t->device_page);
    Inject(env, static_cast<int64_t>(op.index), *t, spec_.stuck_value ? "stuck1" : "stuck0", bits);
  }

  void Reconcile(FaultEnv& env, uint64_t page) {
    std::span<const uint8_t> raw = RawPage(env, page);
    for (uint32_t bit : cells_[page]) {
      const uint8_t programmed = (raw[bit / 8] >> (bit % 8)) & 1;
      if (programmed != spec_.stuck_value) {
        env.model().AddCellError(page, bit);
      } else {
        env.model().RemoveCellError(page, bit);
      }
    }
  }

  std::map<uint64_t, std::vector<uint32_t>> cells_;  // device page -> stuck bits
  bool active_ = false;
};

}  // namespace

std::unique_ptr<FaultFamily> MakeStuckBit(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<StuckBit>(spec, seed);
}

}  // namespace flashfault
