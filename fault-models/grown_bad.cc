// grown_bad family; see grown_bad.h. A grown bad block is not marked by the
// part: isbad stays false until the host (UBI) calls markbad, as on real
// NAND. Reads of it still work. Must not fail reads, isbad or markbad.
#include "fault-models/grown_bad.h"

#include <map>

#include "absl/strings/str_cat.h"

namespace flashfault {
namespace {

class GrownBad final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  // Programs and erases fail once bad, whatever `ops` says; `ops` only
  // narrows which of them can make a block go bad.
  uint32_t ops() const override { return kOpWrite | kOpErase; }

  void Apply(FaultEnv& env, OpState& op) override {
    if (!op.placed) return;
    const uint32_t ppb = env.geometry().pages_per_block;
    const uint64_t first = op.op == kOpErase ? op.first_block : op.first_page / ppb;
    const uint64_t last = op.op == kOpErase ? uint64_t{op.first_block} + op.block_count - 1
                                            : (op.first_page + op.page_count - 1) / ppb;
    auto it = bad_.lower_bound(static_cast<uint32_t>(first));
    if (it != bad_.end() && it->first <= last) {
      // Bad since an earlier firing: this op fails because of that one.
      op.handled = true;
      op.status = InjectedError(absl::StatusCode::kDataLoss, spec_,
                                absl::StrCat(OpName(op.op), " failed on grown bad block ", it->first));
      InjectAftermath(env, static_cast<int64_t>(op.index), BlockTarget(it->first, ppb), "fail",
                      it->second);
      return;
    }
    if (!trigger_.MatchesOp(op.op)) return;
    // Blocks younger than the threshold are not matches.
    std::optional<Target> t = Decide(env, op, [&](const Target& u) {
      return spec_.threshold == 0 || env.erases(u.block) >= spec_.threshold;
    });
    if (!t) return;
    Fire();
    bad_.emplace(t->block, trigger_.fires());
    op.handled = true;
    op.status = InjectedError(absl::StatusCode::kDataLoss, spec_,
                              absl::StrCat(OpName(op.op), " failed on grown bad block ", t->block));
    Inject(env, static_cast<int64_t>(op.index), BlockTarget(t->block, ppb), "went_bad");
  }

 private:
  static Target BlockTarget(uint32_t block, uint32_t ppb) {
    return Target{.block = block, .page = -1, .device_page = uint64_t{block} * ppb};
  }

  std::map<uint32_t, uint64_t> bad_;  // block -> the firing that made it bad
};

}  // namespace

std::unique_ptr<FaultFamily> MakeGrownBad(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<GrownBad>(spec, seed);
}

}  // namespace flashfault
