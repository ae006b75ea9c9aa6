// wear_out family; see wear_out.h. Everything depends on the block's erase
// count as the model keeps it (BlockMeta.erases), so wear carried in a
// persistent image counts too. Must not change the erase counts.
#include "fault-models/wear_out.h"

#include "absl/strings/str_cat.h"

namespace flashfault {
namespace {

class WearOut final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  uint32_t ops() const override { return spec_.when.ops & (kOpRead | kOpWrite | kOpErase); }

  absl::Status Validate(const Geometry& g) const override {
    if (spec_.threshold == 0 && g.endurance == 0) {
      return ParamError(spec_, "threshold",
                        "needed: the geometry has no endurance to wear out against");
    }
    if (spec_.rate < 0.0) return ParamError(spec_, "rate", "must not be negative");
    return absl::OkStatus();
  }

  void Apply(FaultEnv& env, OpState& op) override {
    std::optional<Target> t = FindTarget(env, op);
    if (!t) return;
    const uint64_t endurance = spec_.threshold ? spec_.threshold : env.geometry().endurance;
    const uint64_t erases = env.erases(t->block);
    if (erases < endurance) return;  // young blocks never count as matches
    if (!trigger_.Evaluate(Input(env, op, *t))) return;
    const uint64_t k = erases - endurance + 1;  // cycles at or past endurance
    Rng& rng = trigger_.rng();
    if (op.op == kOpRead) {
      if (!env.geometry().is_nand()) return;
      const double mean =
          spec_.flips * static_cast<double>(k) * 100.0 / static_cast<double>(endurance);
      const uint32_t n = DrawCount(rng, mean);
      if (n == 0) return;
      std::vector<uint32_t> bits =
          PickCells(env, rng, CellWindow(env, *t), t->device_page, n, CellFilter::kAny);
      for (uint32_t bit : bits) env.ToggleForRead(t->device_page, bit);
      Fire();
      Inject(env, static_cast<int64_t>(op.index), *t, "flips", bits);
      return;
    }
    if (!rng.Chance(spec_.rate * static_cast<double>(k))) return;
    Fire();
    op.handled = true;
    op.status = InjectedError(absl::StatusCode::kDataLoss, spec_,
                              absl::StrCat(OpName(op.op), " failed on worn block ", t->block, " (",
                                           erases, " erases, endurance ", endurance, ")"));
    Inject(env, static_cast<int64_t>(op.index), *t, "fail");
  }
};

}  // namespace

std::unique_ptr<FaultFamily> MakeWearOut(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<WearOut>(spec, seed);
}

}  // namespace flashfault
