// silent_corruption family; see silent_corruption.h. The errors are toggled
// for the read in flight (like read_bitflip) and the model's ECC engine is
// told, for that read only, that its decoder lands on a wrong codeword
// (EccEngine::Miscorrection). Must not touch the cells persistently.
#include "fault-models/silent_corruption.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace flashfault {
namespace {

class SilentCorruption final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  uint32_t ops() const override { return spec_.when.ops & kOpRead; }

  absl::Status Validate(const Geometry& g) const override {
    if (absl::Status s = RequireNand(spec_, g); !s.ok()) return s;
    if (g.ecc_step == 0) {
      return ParamError(spec_, "kind", absl::StrCat("geometry '", g.name, "' has no ECC to fool"));
    }
    if (spec_.flips <= g.ecc_strength) {
      return ParamError(spec_, "flips",
                        absl::StrCat("must exceed the ECC strength (", g.ecc_strength,
                                     "): within it the decoder corrects honestly"));
    }
    if (spec_.flips > g.ecc_step * 8) {
      return ParamError(spec_, "flips", absl::StrCat("must fit one ECC step (", g.ecc_step * 8,
                                                     " bits)"));
    }
    if (spec_.where.bytes && spec_.where.bytes->first >= g.page_size) {
      return ParamError(spec_, "where.bytes", "must reach into the page's data (ECC steps)");
    }
    return absl::OkStatus();
  }

  void Apply(FaultEnv& env, OpState& op) override {
    std::optional<Target> t = Strike(env, op);
    if (!t) return;
    const Geometry& g = env.geometry();
    Rng& rng = trigger_.rng();
    const Where w = CellWindow(env, *t);
    const uint64_t lo = w.bytes ? w.bytes->first : 0;
    const uint64_t hi = std::min<uint64_t>(w.bytes ? w.bytes->last : g.page_size - 1,
                                           g.page_size - 1);
    // One codeword: the decoder's verdict is per step.
    const uint64_t first_step = lo / g.ecc_step, last_step = hi / g.ecc_step;
    const auto step = static_cast<uint32_t>(first_step + rng.Below(last_step - first_step + 1));
    const uint64_t step_lo = uint64_t{step} * g.ecc_step, step_hi = step_lo + g.ecc_step - 1;
    Where in_step = w;
    in_step.bytes = Range{std::max(lo, step_lo), std::min(hi, step_hi)};
    std::vector<uint32_t> bits =
        PickCells(env, rng, in_step, t->device_page, spec_.flips, CellFilter::kAny);
    for (uint32_t bit : bits) env.ToggleForRead(t->device_page, bit);
    const bool silent =
        !spec_.real_odds || rng.Chance(EccEngine::MiscorrectionOdds(g.ecc_strength));
    const char* effect = "detected";
    if (silent) {
      EccEngine::Miscorrection mc;
      mc.step = step;
      if (spec_.silent_effect == SilentEffect::kMiscorrect) {
        // The wrong codeword is within the strength of what was read: up to
        // that many further bits of the step "corrected" the wrong way.
        Where whole_step = w;
        whole_step.bytes = Range{step_lo, step_hi};
        const uint32_t k = 1 + static_cast<uint32_t>(rng.Below(g.ecc_strength));
        mc.wrong = PickCells(env, rng, whole_step, t->device_page, k, CellFilter::kAny);
        effect = "miscorrected";
      } else {
        effect = "missed";
      }
      env.MiscorrectForRead(t->device_page, std::move(mc));
    }
    Fire();
    Inject(env, static_cast<int64_t>(op.index), *t, effect, bits);
  }
};

}  // namespace

std::unique_ptr<FaultFamily> MakeSilentCorruption(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<SilentCorruption>(spec, seed);
}

}  // namespace flashfault
