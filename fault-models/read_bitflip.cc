// read_bitflip family; see read_bitflip.h. The flips are never stored: they
// exist only while the model decodes the read, which is what makes them
// transient. Must not touch the cells persistently.
#include "fault-models/read_bitflip.h"

namespace flashfault {
namespace {

class ReadBitflip final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  uint32_t ops() const override { return spec_.when.ops & kOpRead; }

  absl::Status Validate(const Geometry& g) const override {
    return RequireFlipsOnNand(spec_, g);
  }

  void Apply(FaultEnv& env, OpState& op) override {
    std::optional<Target> t = Strike(env, op);
    if (!t) return;
    std::vector<uint32_t> bits =
        PickCells(env, trigger_.rng(), CellWindow(env, *t), t->device_page, spec_.flips,
                  CellFilter::kAny);
    for (uint32_t bit : bits) env.ToggleForRead(t->device_page, bit);
    Fire();
    Inject(env, static_cast<int64_t>(op.index), *t, "flips", bits);
  }
};

}  // namespace

std::unique_ptr<FaultFamily> MakeReadBitflip(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<ReadBitflip>(spec, seed);
}

}  // namespace flashfault
