// latency family; see latency.h. Delays go through FaultEnv::Sleep so tests
// use a fake sleeper; the delay never changes any decision or state.
#include "fault-models/latency.h"

namespace flashfault {
namespace {

class Latency final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  absl::Status Validate(const Geometry&) const override {
    if (spec_.latency_us == 0) return ParamError(spec_, "latency_us", "must be at least 1");
    return absl::OkStatus();
  }

  void Apply(FaultEnv& env, OpState& op) override {
    std::optional<Target> t = Strike(env, op);
    if (!t) return;
    env.Sleep(spec_.latency_us);
    Fire();
    Inject(env, static_cast<int64_t>(op.index), *t, "delay");
  }
};

}  // namespace

std::unique_ptr<FaultFamily> MakeLatency(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<Latency>(spec, seed);
}

}  // namespace flashfault
