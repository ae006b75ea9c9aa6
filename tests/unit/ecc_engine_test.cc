// EccEngine decisions per step, independent of the model.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "backends/model/ecc_engine.h"
#include "backends/model/presets.h"

namespace flashfault {
namespace {

TEST(EccEngineTest, CountsPerStepAndFailsOnlyTheBadStep) {
  Geometry g = *FindPreset("slc-2k-64m");  // 4 steps of 512, strength 4
  EccEngine ecc(g);
  std::vector<uint8_t> page(2048 + 64, 0xAA);
  CellErrors errors;
  for (uint32_t i = 0; i < 5; ++i) errors.push_back(512 * 8 + i);  // step 1: 5 flips
  errors.push_back(3 * 512 * 8);                                   // step 3: 1 flip
  ReadReport r = ecc.Decode(errors, page, /*raw=*/false);
  EXPECT_EQ(r.failed_steps, 1u);
  EXPECT_EQ(r.corrected_bitflips, 1u);
  EXPECT_EQ(page[512], 0xAA ^ 0x1F);  // the failed step comes back raw
  EXPECT_EQ(page[3 * 512], 0xAA);     // the good step is corrected
}

TEST(EccEngineTest, NoEccMeansEveryFlipShows) {
  Geometry g = *FindPreset("nor-64k-16m");
  EccEngine ecc(g);
  std::vector<uint8_t> page(4, 0);
  ReadReport r = ecc.Decode({1, 9}, page, false);
  EXPECT_EQ(page[0], 2);
  EXPECT_EQ(page[1], 2);
  EXPECT_EQ(r.max_bitflips, 0u);
}

// The mask form (a set past a few hundred errors) decides exactly as the
// sorted list does: same bytes back, same report, raw or corrected, on a part
// with 4 steps of strength 4 and on one with 24 of 1 KiB and a non-multiple-of-8
// OOB tail (4096 + 224 bytes).
TEST(EccEngineTest, MaskFormDecodesLikeTheList) {
  for (const char* preset : {"slc-2k-64m", "mlc-4k-1g"}) {
    const Geometry g = *FindPreset(preset);
    const uint32_t cells = (g.page_size + g.oob_size) * 8;
    EccEngine ecc(g);
    std::mt19937_64 rng(5);
    for (uint32_t n : {1u, 4u, 5u, 300u, 2000u, 9000u}) {
      std::set<uint32_t> pick;
      while (pick.size() < n) pick.insert(static_cast<uint32_t>(rng() % cells));
      // Clustered errors too, so some steps fail and others are corrected.
      for (uint32_t i = 0; i < 30; ++i) pick.insert(g.ecc_step * 8 + i);
      CellErrorSet set(cells);
      set.Add(CellErrors(pick.begin(), pick.end()));
      const CellErrors list(pick.begin(), pick.end());
      ASSERT_EQ(set.sorted(), list);
      EXPECT_EQ(set.mask().empty(), list.size() < 256) << n;
      for (bool raw : {false, true}) {
        std::vector<uint8_t> a(g.page_size + g.oob_size), b;
        for (auto& x : a) x = static_cast<uint8_t>(rng());
        b = a;
        const ReadReport ra = ecc.Decode(list, a, raw);
        const ReadReport rb = ecc.Decode(set, b, raw);
        EXPECT_EQ(a, b) << preset << " n=" << n << " raw=" << raw;
        EXPECT_EQ(ra.failed_steps, rb.failed_steps);
        EXPECT_EQ(ra.corrected_bitflips, rb.corrected_bitflips);
        EXPECT_EQ(ra.max_bitflips, rb.max_bitflips);
        EXPECT_EQ(ra.scrub, rb.scrub);
      }
    }
  }
}

// Every change, by cell or by mask, keeps a set equal to a plain std::set,
// across the switch from list to mask; bits past the last cell are ignored.
TEST(EccEngineTest, CellErrorSetMatchesAPlainSet) {
  const uint32_t cells = 100 * 64 + 40;  // a partial last word
  std::mt19937_64 rng(11);
  for (int round = 0; round < 20; ++round) {
    CellErrorSet set(cells);
    std::set<uint32_t> ref;
    for (int step = 0; step < 60; ++step) {
      const uint64_t kind = rng() % 5;
      if (kind < 3) {
        const uint32_t bit = static_cast<uint32_t>(rng() % cells);
        if (kind == 0) {
          set.Add(bit);
          ref.insert(bit);
        } else if (kind == 1) {
          set.Remove(bit);
          ref.erase(bit);
        } else {
          EXPECT_EQ(set.Toggle(bit), ref.count(bit) == 1);
          if (!ref.erase(bit)) ref.insert(bit);
        }
      } else {
        // Sparse or dense masks, all words (the last one full, past the cells).
        std::vector<uint64_t> mask(MaskWords(cells));
        const uint64_t density = rng() % 3;
        for (auto& w : mask) {
          w = density == 0 ? (rng() % 64 == 0 ? uint64_t{1} << (rng() % 64) : 0)
                           : density == 1 ? rng() & rng() & rng() : rng();
        }
        if (kind == 3) {
          set.AddMask(mask);
        } else {
          set.ToggleMask(mask);
        }
        for (uint32_t bit = 0; bit < cells; ++bit) {
          if (!((mask[bit / 64] >> (bit % 64)) & 1)) continue;
          if (kind == 3 || !ref.erase(bit)) ref.insert(bit);
        }
      }
      ASSERT_EQ(set.size(), ref.size()) << "round " << round << " step " << step;
      ASSERT_EQ(set.sorted(), CellErrors(ref.begin(), ref.end()));
      std::vector<uint64_t> out(MaskWords(cells), 0);
      set.OrInto(out);
      EXPECT_EQ(CountCells(out, 0, cells), ref.size());
      EXPECT_EQ(CountCells(out, cells, MaskWords(cells) * 64), 0u);
    }
  }
}

}  // namespace
}  // namespace flashfault
