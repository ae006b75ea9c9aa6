// Property test: random operation sequences on NandModel and on a deliberately
// naive reference (flat arrays, byte loops, no shortcuts) must agree on every
// byte and every return code. Seeds are printed so a failure reproduces.
#include <gtest/gtest.h>

#include <random>

#include "tests/unit/model_fixture.h"

namespace flashfault {
namespace {

// The naive reference: one flat array per area, the rules spelt out.
class ReferenceNand {
 public:
  explicit ReferenceNand(const Geometry& g)
      : g_(g),
        data_(g.total_size(), 0xFF),
        oob_(g.total_pages() * g.oob_size, 0xFF),
        programs_(g.total_pages(), 0),
        bad_(g.block_count, false) {
    for (const OobRegion& r : g.oob_layout.free)
      for (uint32_t i = 0; i < r.length; ++i) free_.push_back(r.offset + i);
  }

  absl::StatusCode Write(uint64_t addr, const std::vector<uint8_t>& data, OobMode mode,
                         uint32_t ooboffs, const std::vector<uint8_t>& oob) {
    if (addr + data.size() > g_.total_size()) return absl::StatusCode::kOutOfRange;
    if (addr % g_.subpage_size() || data.size() % g_.subpage_size())
      return absl::StatusCode::kInvalidArgument;
    const uint64_t page = addr / g_.page_size;
    const uint32_t per = PerPage(mode);
    if (!oob.empty() && (ooboffs >= per || page * per + ooboffs + oob.size() > g_.total_pages() * per))
      return absl::StatusCode::kOutOfRange;
    if (data.empty() && oob.empty()) return absl::StatusCode::kOk;  // nothing to program
    uint64_t last = page;
    if (!data.empty()) last = std::max(last, (addr + data.size() - 1) / g_.page_size);
    if (!oob.empty()) last = std::max(last, page + (ooboffs + oob.size() - 1) / per);
    for (uint64_t p = page; p <= last; ++p)
      if (programs_[p] >= g_.nop) return absl::StatusCode::kInvalidArgument;
    for (size_t i = 0; i < data.size(); ++i) data_[addr + i] &= data[i];
    for (size_t i = 0; i < oob.size(); ++i) {
      const uint64_t p = page + (ooboffs + i) / per;
      const uint64_t k = (ooboffs + i) % per;
      oob_[p * g_.oob_size + (mode == OobMode::kAuto ? free_[k] : k)] &= oob[i];
    }
    for (uint64_t p = page; p <= last; ++p) ++programs_[p];
    return absl::StatusCode::kOk;
  }

  absl::StatusCode Read(uint64_t addr, std::vector<uint8_t>& data, OobMode mode, uint32_t ooboffs,
                        std::vector<uint8_t>& oob) {
    if (addr + data.size() > g_.total_size()) return absl::StatusCode::kOutOfRange;
    const uint64_t page = addr / g_.page_size;
    const uint32_t per = PerPage(mode);
    if (!oob.empty() && (ooboffs >= per || page * per + ooboffs + oob.size() > g_.total_pages() * per))
      return absl::StatusCode::kOutOfRange;
    for (size_t i = 0; i < data.size(); ++i) data[i] = data_[addr + i];
    for (size_t i = 0; i < oob.size(); ++i) {
      const uint64_t p = page + (ooboffs + i) / per;
      const uint64_t k = (ooboffs + i) % per;
      oob[i] = oob_[p * g_.oob_size + (mode == OobMode::kAuto ? free_[k] : k)];
    }
    return absl::StatusCode::kOk;
  }

  absl::StatusCode Erase(uint32_t block) {
    if (bad_[block]) return absl::StatusCode::kDataLoss;
    Wipe(block);
    return absl::StatusCode::kOk;
  }

  void MarkBad(uint32_t block) {
    Wipe(block);
    bad_[block] = true;
    for (uint32_t i = 0; i < g_.oob_layout.bad_block_marker.length; ++i)
      oob_[uint64_t{block} * g_.pages_per_block * g_.oob_size + g_.oob_layout.bad_block_marker.offset + i] = 0;
  }

  bool IsBad(uint32_t block) const {
    if (bad_[block]) return true;
    for (uint32_t i = 0; i < g_.oob_layout.bad_block_marker.length; ++i)
      if (oob_[uint64_t{block} * g_.pages_per_block * g_.oob_size + g_.oob_layout.bad_block_marker.offset + i] != 0xFF)
        return true;
    return false;
  }

 private:
  uint32_t PerPage(OobMode mode) const {
    return mode == OobMode::kAuto ? static_cast<uint32_t>(free_.size()) : g_.oob_size;
  }
  void Wipe(uint32_t block) {
    const uint64_t first = uint64_t{block} * g_.pages_per_block;
    for (uint64_t p = first; p < first + g_.pages_per_block; ++p) {
      for (uint32_t i = 0; i < g_.page_size; ++i) data_[p * g_.page_size + i] = 0xFF;
      for (uint32_t i = 0; i < g_.oob_size; ++i) oob_[p * g_.oob_size + i] = 0xFF;
      programs_[p] = 0;
    }
  }

  Geometry g_;
  std::vector<uint8_t> data_, oob_;
  std::vector<uint32_t> programs_;
  std::vector<bool> bad_;
  std::vector<uint32_t> free_;
};

void RunRandomSequence(const Geometry& base, uint64_t seed, int ops) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  Geometry g = base;
  g.block_count = 8;  // small, so operations collide often
  auto model = testing::MakeModel(g);
  ASSERT_NE(model, nullptr);
  ReferenceNand ref(g);
  std::mt19937_64 rng(seed);
  auto pick = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  const OobMode modes[] = {OobMode::kPlace, OobMode::kAuto, OobMode::kRaw};
  for (int i = 0; i < ops; ++i) {
    SCOPED_TRACE("op " + std::to_string(i));
    const uint64_t choice = pick(100);
    const uint32_t block = static_cast<uint32_t>(pick(g.block_count));
    if (choice < 8) {
      const absl::StatusCode want = ref.Erase(block);
      EXPECT_EQ(model->Erase(block * g.block_size(), g.block_size()).code(), want);
    } else if (choice < 10) {
      ref.MarkBad(block);
      EXPECT_TRUE(model->MarkBad(block * g.block_size()).ok());
    } else if (choice < 15) {
      EXPECT_EQ(*model->IsBad(block * g.block_size() + pick(g.block_size())), ref.IsBad(block));
    } else {
      // Mostly aligned addresses, sometimes not; lengths up to three pages.
      const uint32_t unit = choice % 4 == 0 ? 1 : g.subpage_size();
      const uint64_t addr = pick(g.total_size() / unit) * unit;
      const uint64_t len = std::min<uint64_t>(pick(3 * g.page_size / unit + 1) * unit,
                                              g.total_size() - addr + (choice % 7 == 0 ? unit : 0));
      const OobMode mode = modes[pick(3)];
      const uint32_t per = mode == OobMode::kAuto ? g.oob_avail() : g.oob_size;
      const bool with_oob = pick(3) == 0;
      const uint32_t ooboffs = with_oob ? static_cast<uint32_t>(pick(per + 1)) : 0;
      const size_t oob_len = with_oob ? pick(2 * per) + 1 : 0;
      const FlashOp op{.addr = with_oob ? addr / g.page_size * g.page_size : addr,
                       .mode = mode, .ooboffs = ooboffs};
      if (choice < 60) {
        std::vector<uint8_t> data(len), oob(oob_len);
        for (auto& b : data) b = static_cast<uint8_t>(rng());
        for (auto& b : oob) b = static_cast<uint8_t>(rng());
        const absl::StatusCode want = ref.Write(op.addr, data, mode, ooboffs, oob);
        EXPECT_EQ(model->Write(op, data, oob).code(), want);
      } else {
        std::vector<uint8_t> data(len), oob(oob_len), want_data(len), want_oob(oob_len);
        const absl::StatusCode want = ref.Read(op.addr, want_data, mode, ooboffs, want_oob);
        auto got = model->Read(op, data, oob);
        ASSERT_EQ(got.status().code(), want);
        if (want == absl::StatusCode::kOk) {
          ASSERT_EQ(data, want_data);
          ASSERT_EQ(oob, want_oob);
        }
      }
    }
  }
}

TEST(ModelPropertyTest, LargePageSlcMatchesReference) {
  const uint64_t base_seed = std::random_device{}();
  std::printf("model property test seed base %llu\n", static_cast<unsigned long long>(base_seed));
  for (uint64_t s = 0; s < 20; ++s) RunRandomSequence(*FindPreset("slc-2k-64m"), base_seed + s, 400);
}

TEST(ModelPropertyTest, SmallPageSlcMatchesReference) {
  for (uint64_t s = 0; s < 20; ++s) RunRandomSequence(*FindPreset("slc-512-64m"), 1000 + s, 400);
}

}  // namespace
}  // namespace flashfault
