// erase_fail family; see erase_fail.h. Like the MTD core, a multi-block
// erase stops at the failing block: blocks before it are erased, blocks
// after it untouched. Must not fail ops that are not erases.
#include "fault-models/erase_fail.h"

#include "absl/strings/str_cat.h"

namespace flashfault {
namespace {

class EraseFail final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  uint32_t ops() const override { return spec_.when.ops & kOpErase; }

  absl::Status Validate(const Geometry&) const override {
    return RequireTornFraction(spec_);
  }

  void Apply(FaultEnv& env, OpState& op) override {
    std::optional<Target> t = Strike(env, op);
    if (!t) return;
    op.handled = true;
    const Geometry& g = env.geometry();
    if (t->block > op.first_block) {
      op.status = env.ForwardErase(op.addr, uint64_t{t->block - op.first_block} * g.block_size());
      if (!op.status.ok()) return;
    }
    std::vector<uint64_t> half_cells;  // mask
    int64_t half_page = -1;
    if (spec_.erase_effect == EraseFailEffect::kPartial) {
      const PageSnapshot before = Snapshot(env, t->device_page, g.pages_per_block);
      op.status = env.ForwardErase(uint64_t{t->block} * g.block_size(), g.block_size());
      if (!op.status.ok()) return;  // e.g. a block in the bad block table
      std::tie(half_page, half_cells) =
          TearErase(env, trigger_.rng(), t->block, before, spec_.torn_fraction);
    }
    Fire();
    op.status = InjectedError(absl::StatusCode::kDataLoss, spec_,
                              absl::StrCat("erase failed at block ", t->block));
    Target at = *t;
    at.page = half_page;
    InjectCells(env, static_cast<int64_t>(op.index), at, EraseFailEffectName(spec_.erase_effect),
                half_cells);
  }
};

}  // namespace

std::unique_ptr<FaultFamily> MakeEraseFail(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<EraseFail>(spec, seed);
}

}  // namespace flashfault
