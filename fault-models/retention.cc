// retention family; see retention.h. Leakage is computed lazily at read
// time from the virtual clock (FaultLayer::AdvanceClock), so advancing the
// clock costs nothing. Pages programmed before the layer existed count from
// time 0. Must not read the wall clock.
#include "fault-models/retention.h"

#include <cmath>
#include <unordered_map>

namespace flashfault {
namespace {

constexpr double kUsPerHour = 3600.0 * 1e6;

class Retention final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  uint32_t ops() const override { return spec_.when.ops & kOpRead; }
  bool wants_changes() const override { return true; }

  absl::Status Validate(const Geometry& g) const override {
    if (!(spec_.rate > 0.0))
      return ParamError(spec_, "rate", "must be above 0 (flips per page per hour)");
    return RequireNand(spec_, g);
  }

  void Apply(FaultEnv& env, OpState& op) override {
    if (!op.placed) return;
    std::optional<Target> t = FindTarget(env, op);
    if (!t || !trigger_.MatchesOp(op.op) || !trigger_.Evaluate(Input(env, op, *t))) return;
    const Geometry& g = env.geometry();
    const uint64_t endurance = spec_.threshold ? spec_.threshold : g.endurance;
    bool fired = false;
    for (uint64_t page = t->device_page; page < op.first_page + op.page_count; ++page) {
      const uint32_t block = static_cast<uint32_t>(page / g.pages_per_block);
      const uint32_t in_block = page % g.pages_per_block;
      if (!trigger_.MatchesBlock(block) || !trigger_.MatchesPage(in_block)) continue;
      if (!Aimed(env, op, page)) continue;
      // A page never seen programmed counts from time 0 (programmed before
      // the layer existed); it is recorded only once it leaks, so reading an
      // erased page does not start its clock.
      auto found = pages_.find(page);
      PageAge unseen;
      PageAge& a = found != pages_.end() ? found->second : unseen;
      const double hours = static_cast<double>(env.now_us() - a.programmed_us) / kUsPerHour;
      // Worn oxide leaks faster: at the rated endurance twice as fast.
      const double wear =
          endurance ? 1.0 + static_cast<double>(env.erases(block)) / static_cast<double>(endurance)
                    : 1.0;
      const uint64_t want = static_cast<uint64_t>(std::floor(spec_.rate * hours * wear));
      if (want <= a.leaked) continue;
      const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(want - a.leaked, 1u << 20));
      std::vector<uint32_t> bits =
          PickCells(env, trigger_.rng(), spec_.where, page, n, CellFilter::kProgrammed);
      env.model().AddCellErrors(page, bits);
      if (bits.empty()) continue;
      a.leaked = want;
      if (found == pages_.end()) pages_.emplace(page, a);
      if (!fired) Fire();  // one firing per op, however many pages leak
      fired = true;
      Inject(env, static_cast<int64_t>(op.index),
             Target{.block = block, .page = in_block, .device_page = page}, "leak", bits);
    }
  }

  // Age counts from the first program after an erase.
  void OnProgrammed(FaultEnv& env, uint64_t first, uint64_t count) override {
    for (uint64_t page = first; page < first + count; ++page) {
      auto [it, fresh] = pages_.try_emplace(page);
      if (fresh || it->second.erased) it->second = PageAge{.programmed_us = env.now_us()};
    }
  }

  void OnErased(FaultEnv& env, uint32_t block) override {
    const uint64_t ppb = env.geometry().pages_per_block;
    for (uint64_t page = block * ppb; page < (block + 1) * ppb; ++page) {
      auto it = pages_.find(page);
      if (it != pages_.end()) it->second = PageAge{.programmed_us = 0, .leaked = 0, .erased = true};
    }
  }

 private:
  struct PageAge {
    uint64_t programmed_us = 0;
    uint64_t leaked = 0;  // cells already leaked
    bool erased = false;  // erased since; the next program restarts the age
  };
  std::unordered_map<uint64_t, PageAge> pages_;
};

}  // namespace

std::unique_ptr<FaultFamily> MakeRetention(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<Retention>(spec, seed);
}

}  // namespace flashfault
