// charge_loss family; see charge_loss.h. Only programmed cells can lose
// charge, so the flips go 0 -> 1 and an erased page is immune. The model
// drops the cell errors at the next erase; this family keeps no state.
#include "fault-models/charge_loss.h"

namespace flashfault {
namespace {

class ChargeLoss final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  // Fires on reads: the read that fires is the first to see the loss.
  uint32_t ops() const override { return spec_.when.ops & kOpRead; }

  absl::Status Validate(const Geometry& g) const override {
    return RequireFlipsOnNand(spec_, g);
  }

  void Apply(FaultEnv& env, OpState& op) override {
    std::optional<Target> t = Strike(env, op);
    if (!t) return;
    std::vector<uint32_t> bits = PickCells(env, trigger_.rng(), CellWindow(env, *t), t->device_page,
                                           spec_.flips, CellFilter::kProgrammed);
    env.model().AddCellErrors(t->device_page, bits);
    Fire();
    Inject(env, static_cast<int64_t>(op.index), *t, "lost", bits);
  }
};

}  // namespace

std::unique_ptr<FaultFamily> MakeChargeLoss(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<ChargeLoss>(spec, seed);
}

}  // namespace flashfault
