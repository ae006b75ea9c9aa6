// factory_bad family; see factory_bad.h. The marker is written raw into the
// store (as the vendor's tester does), never through a program, so it costs
// no NOP and no wear. Programs and erases of those blocks then fail, which
// keeps the marker in place as on a real part. Ignores `when`.
#include "fault-models/factory_bad.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flashfault {
namespace {

class FactoryBad final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  uint32_t ops() const override { return kOpWrite | kOpErase; }

  absl::Status Validate(const Geometry& g) const override {
    FF_RETURN_IF_ERROR(RequireNand(spec_, g));
    for (uint64_t b : spec_.block_list) {
      if (b >= g.block_count) {
        return ParamError(spec_, "block_list",
                          absl::StrCat("block ", b, " beyond the ", g.block_count, " blocks"));
      }
    }
    const Range r = spec_.where.blocks.value_or(Range{0, g.block_count - 1u});
    std::vector<uint64_t> listed = spec_.block_list;
    std::sort(listed.begin(), listed.end());
    listed.erase(std::unique(listed.begin(), listed.end()), listed.end());
    const uint64_t listed_inside =
        std::count_if(listed.begin(), listed.end(), [&](uint64_t b) { return r.Contains(b); });
    if (spec_.count > r.last - r.first + 1 - listed_inside) {
      return ParamError(spec_, "count",
                        absl::StrCat(spec_.count, " bad blocks do not fit in blocks [", r.first,
                                     ", ", r.last, "]"));
    }
    if (spec_.block_list.empty() && spec_.count == 0) {
      return ParamError(spec_, "count", "give block_list, count, or both");
    }
    return absl::OkStatus();
  }

  void Attach(FaultEnv& env) override {
    const Geometry& g = env.geometry();
    bad_.assign(spec_.block_list.begin(), spec_.block_list.end());
    const Range r = spec_.where.blocks.value_or(Range{0, g.block_count - 1u});
    // `count` more distinct blocks, none of them listed; Validate() made
    // sure they fit, so this ends.
    for (uint32_t drawn = 0; drawn < spec_.count;) {
      const uint64_t b = r.first + trigger_.rng().Below(r.last - r.first + 1);
      if (std::find(bad_.begin(), bad_.end(), b) != bad_.end()) continue;
      bad_.push_back(b);
      ++drawn;
    }
    std::sort(bad_.begin(), bad_.end());
    bad_.erase(std::unique(bad_.begin(), bad_.end()), bad_.end());
    const OobRegion& bbm = g.oob_layout.bad_block_marker;
    for (uint64_t b : bad_) {
      const uint64_t page = b * g.pages_per_block;
      std::memset(MutableRawPage(env, page).data() + g.page_size + bbm.offset, 0x00, bbm.length);
      env.PagesChanged(page, 1);
      Fire();  // each block the part ships bad is one firing, numbered in block order
      Inject(env, -1, Target{.block = static_cast<uint32_t>(b), .page = 0, .device_page = page},
             "marked");
    }
  }

  void Apply(FaultEnv& env, OpState& op) override {
    if (!op.placed || bad_.empty()) return;
    const uint32_t ppb = env.geometry().pages_per_block;
    const uint64_t first = op.op == kOpErase ? op.first_block : op.first_page / ppb;
    const uint64_t last = op.op == kOpErase ? uint64_t{op.first_block} + op.block_count - 1
                                            : (op.first_page + op.page_count - 1) / ppb;
    auto it = std::lower_bound(bad_.begin(), bad_.end(), first);
    if (it == bad_.end() || *it > last) return;
    op.handled = true;
    op.status = InjectedError(absl::StatusCode::kDataLoss, spec_,
                              absl::StrCat(OpName(op.op), " of factory bad block ", *it));
    InjectAftermath(env, static_cast<int64_t>(op.index),
                    Target{.block = static_cast<uint32_t>(*it), .page = -1, .device_page = *it * ppb},
                    "fail", static_cast<uint64_t>(it - bad_.begin()) + 1);
  }

 private:
  std::vector<uint64_t> bad_;  // sorted
};

}  // namespace

std::unique_ptr<FaultFamily> MakeFactoryBad(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<FactoryBad>(spec, seed);
}

}  // namespace flashfault
