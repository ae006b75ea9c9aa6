// power_cut family; see power_cut.h. The op that fires is performed as far
// as the cut lets it (so its effects are real cells, not a flag), then the
// layer turns the power off. Unstable cells are remembered here, as a mask
// per page, until their block is erased: each read inverts each of them with
// probability 1/2 (one random word per 64 of them).
// Must not restore power itself: only FaultLayer::PowerOn() does.
#include "fault-models/power_cut.h"

#include <bit>
#include <map>

#include "absl/strings/str_cat.h"

namespace flashfault {
namespace {

class PowerCut final : public FaultFamily {
 public:
  using FaultFamily::FaultFamily;

  uint32_t ops() const override { return spec_.when.ops | (spec_.unstable ? kOpRead : 0u); }
  bool wants_changes() const override { return spec_.unstable; }

  absl::Status Validate(const Geometry&) const override {
    return RequireTornFraction(spec_);
  }

  void Apply(FaultEnv& env, OpState& op) override {
    if (op.op == kOpRead && !unstable_.empty()) Wobble(env, op);
    std::optional<Target> t = Strike(env, op);
    if (!t) return;
    Fire();
    op.handled = true;
    op.cut = true;
    std::vector<uint64_t> cells;  // the cells torn, as a mask
    const char* effect = "cut";
    if (op.op == kOpWrite) {
      effect = "torn_program";
      cells = TornProgram(env, op, *t);
    } else if (op.op == kOpErase) {
      effect = "torn_erase";
      const Geometry& g = env.geometry();
      if (t->block > op.first_block) {
        (void)env.ForwardErase(op.addr, uint64_t{t->block - op.first_block} * g.block_size());
      }
      const PageSnapshot before = Snapshot(env, t->device_page, g.pages_per_block);
      if (env.ForwardErase(uint64_t{t->block} * g.block_size(), g.block_size()).ok()) {
        auto [page, half] = TearErase(env, trigger_.rng(), t->block, before, spec_.torn_fraction);
        t->page = page;
        if (page >= 0) {
          cells = std::move(half);
          Remember(uint64_t{t->block} * g.pages_per_block + page, cells);
        }
      }
    }
    InjectCells(env, static_cast<int64_t>(op.index), *t, effect, cells);
    op.status =
        InjectedError(absl::StatusCode::kUnavailable, spec_,
                      absl::StrCat("power cut during ", OpName(op.op), " (op ", op.index, ")"));
  }

  void OnErased(FaultEnv& env, uint32_t block) override {
    const uint64_t ppb = env.geometry().pages_per_block;
    unstable_.erase(unstable_.lower_bound(block * ppb), unstable_.lower_bound((block + 1) * ppb));
  }

 private:
  // Programs the op's pages, then leaves (1 - torn_fraction) of the bits to
  // clear at 1. On MLC, an upper page in flight also damages its paired
  // lower page: each of its programmed data cells reads 1 with odds
  // 1 - torn_fraction. Returns the torn cells of the target page.
  // Counted per page, the cut stops the request at the target: the pages
  // before it programmed, the target torn, the pages after it never
  // started. Counted per op, every page of the request is in flight.
  std::vector<uint64_t> TornProgram(FaultEnv& env, OpState& op, const Target& t) {
    const bool stop = StopsAtTarget(op);
    const uint64_t first = stop ? t.device_page : op.first_page;
    const uint64_t through = t.device_page - op.first_page + 1;  // pages up to the target
    const PageSnapshot before = Snapshot(env, first, stop ? 1 : op.page_count);
    const absl::Status s = stop ? ForwardWritePages(env, op, through) : env.ForwardWrite(op);
    if (!s.ok()) return {};  // refused by the model: nothing torn
    auto torn = TearProgram(env, trigger_.rng(), before, spec_.torn_fraction);
    for (uint64_t i = 0; i < torn.size(); ++i) Remember(first + i, torn[i]);
    const Geometry& g = env.geometry();
    for (uint64_t page = first; page < first + before.count; ++page) {
      const int64_t lower = g.PairedLowerPage(static_cast<uint32_t>(page % g.pages_per_block));
      if (lower < 0) continue;
      const uint64_t lower_page = page - page % g.pages_per_block + static_cast<uint64_t>(lower);
      // The lower page's cells shared the interrupted program: each of its
      // charged cells is lost with the same odds as a torn cell of the upper
      // page. Data cells only (OOB excluded); cells that deviate already stay.
      std::vector<uint64_t> errors;
      env.model().CellErrorMask(lower_page, errors);
      std::vector<uint64_t> damaged(env.model().cell_mask_words(), 0);
      const std::span<const uint8_t> data = RawPage(env, lower_page).first(g.page_size);
      const MaskOdds lost(1.0 - spec_.torn_fraction);
      for (uint64_t at = 0; at < data.size(); at += 8) {
        const uint64_t valid =
            data.size() - at >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * (data.size() - at))) - 1;
        uint64_t charged = ~CellWord(data, at) & valid;
        if (!errors.empty()) charged &= ~errors[at / 8];
        if (charged != 0) damaged[at / 8] = trigger_.rng().ChanceMask(lost, charged);
      }
      env.model().AddCellErrorMask(lower_page, damaged);
      Remember(lower_page, damaged);
      Target at{.block = static_cast<uint32_t>(lower_page / g.pages_per_block),
                .page = lower,
                .device_page = lower_page};
      InjectCells(env, static_cast<int64_t>(op.index), at, "paired_page", damaged);
    }
    return std::move(torn[t.device_page - first]);
  }

  void Remember(uint64_t page, const std::vector<uint64_t>& cells) {
    if (!spec_.unstable) return;
    uint64_t any = 0;
    for (uint64_t w : cells) any |= w;
    if (any == 0) return;
    Unstable& u = unstable_[page];
    u.fire = trigger_.fires();
    std::vector<uint64_t>& mask = u.cells;
    if (mask.size() < cells.size()) mask.resize(cells.size(), 0);
    for (size_t w = 0; w < cells.size(); ++w) mask[w] |= cells[w];
  }

  // Unstable cells sit between 0 and 1: each read sees each one either way.
  void Wobble(FaultEnv& env, const OpState& op) {
    if (!op.placed) return;
    const uint32_t ppb = env.geometry().pages_per_block;
    for (auto it = unstable_.lower_bound(op.first_page);
         it != unstable_.end() && it->first < op.first_page + op.page_count; ++it) {
      const std::vector<uint64_t>& cells = it->second.cells;
      flipped_.assign(cells.size(), 0);
      uint64_t any = 0;
      const MaskOdds even(0.5);
      for (size_t w = 0; w < cells.size(); ++w) {
        // One random word decides 64 cells, each inverted with odds 1/2.
        if (cells[w] != 0) flipped_[w] = trigger_.rng().ChanceMask(even, cells[w]);
        any |= flipped_[w];
      }
      if (any == 0) continue;
      env.ToggleMaskForRead(it->first, flipped_);
      Target at{.block = static_cast<uint32_t>(it->first / ppb),
                .page = static_cast<int64_t>(it->first % ppb),
                .device_page = it->first};
      InjectAftermath(env, static_cast<int64_t>(op.index), at, "unstable", it->second.fire,
                      flipped_);
    }
  }

  struct Unstable {
    uint64_t fire = 0;             // the cut that left them
    std::vector<uint64_t> cells;   // as a mask
  };
  std::map<uint64_t, Unstable> unstable_;  // device page -> its unstable cells
  std::vector<uint64_t> flipped_;                       // Wobble's scratch, kept between reads
};

}  // namespace

std::unique_ptr<FaultFamily> MakePowerCut(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<PowerCut>(spec, seed);
}

}  // namespace flashfault
