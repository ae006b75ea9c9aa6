// program_fail family; see program_fail.h. The failure is decided before
// the program reaches the model, then the configured page state is built:
// nothing forwarded (unchanged), forwarded and torn (partial), forwarded
// whole (full). Must not fail ops that are not programs.
#include "fault-models/program_fail.h"

#include "absl/strings/str_cat.h"

namespace flashfault {
namespace {

class ProgramFail final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  uint32_t ops() const override { return spec_.when.ops & kOpWrite; }

  absl::Status Validate(const Geometry&) const override {
    return RequireTornFraction(spec_);
  }

  void Apply(FaultEnv& env, OpState& op) override {
    std::optional<Target> t = Strike(env, op);
    if (!t) return;
    op.handled = true;
    std::vector<uint64_t> torn_cells;  // mask
    // Counted per page, the request stops at the failed page: the pages
    // before it programmed, the ones after it never started.
    const bool stop = StopsAtTarget(op);
    const uint64_t before_target = t->device_page - op.first_page;
    if (spec_.program_effect == ProgramFailEffect::kUnchanged) {
      if (stop) op.status = ForwardWritePages(env, op, before_target);
    } else {
      const uint64_t first = stop ? t->device_page : op.first_page;
      PageSnapshot before;
      if (spec_.program_effect == ProgramFailEffect::kPartial) {
        before = Snapshot(env, first, stop ? 1 : op.page_count);
      }
      op.status = stop ? ForwardWritePages(env, op, before_target + 1) : env.ForwardWrite(op);
      if (op.status.ok() && spec_.program_effect == ProgramFailEffect::kPartial) {
        auto torn = TearProgram(env, trigger_.rng(), before, spec_.torn_fraction);
        torn_cells = std::move(torn[t->device_page - first]);
      }
    }
    // The model refused the op itself (a rule violation): that error
    // stands and nothing was injected.
    if (!op.status.ok()) return;
    Fire();
    op.status = InjectedError(absl::StatusCode::kDataLoss, spec_,
                              absl::StrCat("program failed at page ", t->device_page));
    InjectCells(env, static_cast<int64_t>(op.index), *t,
                ProgramFailEffectName(spec_.program_effect), torn_cells);
  }
};

}  // namespace

std::unique_ptr<FaultFamily> MakeProgramFail(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<ProgramFail>(spec, seed);
}

}  // namespace flashfault
