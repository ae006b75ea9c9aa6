// read_disturb family; see read_disturb.h. Disturbance is computed lazily:
// when a page is read, it gets the cells its block's reads of other pages
// have disturbed so far (erased cells gaining charge read 0), as persistent
// cell errors; the model drops them at erase and so does the state here.
// Must not touch pages outside `where`.
#include "fault-models/read_disturb.h"

#include <cmath>
#include <unordered_map>

namespace flashfault {
namespace {

class ReadDisturb final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  uint32_t ops() const override { return spec_.when.ops & kOpRead; }
  bool wants_changes() const override { return true; }

  absl::Status Validate(const Geometry& g) const override {
    if (!(spec_.rate > 0.0)) return ParamError(spec_, "rate", "must be above 0");
    return RequireNand(spec_, g);
  }

  void Apply(FaultEnv& env, OpState& op) override {
    if (!op.placed) return;
    const uint32_t ppb = env.geometry().pages_per_block;
    std::optional<Target> t = FindTarget(env, op);
    if (!t) return;
    // Each read counts whether or not the trigger lets flips through: the
    // physics does not wait for a script.
    const bool fire = trigger_.MatchesOp(op.op) && trigger_.Evaluate(Input(env, op, *t));
    bool fired = false;
    const uint64_t end = op.first_page + op.page_count;
    for (uint64_t page = t->device_page; page < end; ++page) {
      const uint32_t block = static_cast<uint32_t>(page / ppb), in_block = page % ppb;
      if (!trigger_.MatchesBlock(block) || !trigger_.MatchesPage(in_block)) continue;
      if (!Aimed(env, op, page)) continue;
      BlockReads& b = blocks_[block];
      if (b.page_reads.empty()) b.page_reads.assign(ppb, 0), b.disturbed.assign(ppb, 0);
      const uint64_t others = b.total - b.page_reads[in_block];
      const uint64_t want =
          static_cast<uint64_t>(std::floor(spec_.rate * static_cast<double>(others)));
      if (fire && want > b.disturbed[in_block]) {
        const uint32_t n =
            static_cast<uint32_t>(std::min<uint64_t>(want - b.disturbed[in_block], 1u << 20));
        std::vector<uint32_t> bits =
            PickCells(env, trigger_.rng(), spec_.where, page, n, CellFilter::kErased);
        env.model().AddCellErrors(page, bits);
        // Counted as done even if fewer cells were eligible, so a page with
        // no erased cells left is not searched again on every read.
        b.disturbed[in_block] = want;
        if (!bits.empty()) {
          if (!fired) Fire();  // one firing per read, however many pages
          fired = true;
          Inject(env, static_cast<int64_t>(op.index),
                 Target{.block = block, .page = in_block, .device_page = page}, "disturb", bits);
        }
      }
      ++b.page_reads[in_block];
      ++b.total;
    }
  }

  void OnErased(FaultEnv&, uint32_t block) override { blocks_.erase(block); }

 private:
  struct BlockReads {
    uint64_t total = 0;                // reads of pages of the block since erase
    std::vector<uint64_t> page_reads;  // per page
    std::vector<uint64_t> disturbed;   // cells already disturbed per page
  };
  std::unordered_map<uint32_t, BlockReads> blocks_;
};

}  // namespace

std::unique_ptr<FaultFamily> MakeReadDisturb(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<ReadDisturb>(spec, seed);
}

}  // namespace flashfault
