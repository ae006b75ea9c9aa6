// NandModel::CopyStateFrom and SyncStateFrom: the copy reads, wears, marks
// bad and keeps the programming rules exactly as the source, the source is
// untouched by what happens to the copy afterwards (crash states are checked
// on copies), and a sync that copies only changed blocks ends equal too.
#include <gtest/gtest.h>

#include "tests/unit/model_fixture.h"

namespace flashfault::testing {
namespace {

std::vector<uint8_t> ReadRaw(NandModel& m, uint64_t addr) {
  const Geometry& g = m.geometry();
  std::vector<uint8_t> data(g.page_size), oob(g.oob_size);
  auto r = m.Read({.addr = addr, .mode = OobMode::kRaw}, data, oob);
  EXPECT_TRUE(r.ok());
  data.insert(data.end(), oob.begin(), oob.end());
  return data;
}

TEST(NandModelCopyTest, CopyIsExactAndIndependent) {
  const Geometry g = SmallGeometry();
  auto src = MakeModel(g);
  auto dst = MakeModel(g);
  ASSERT_NE(src, nullptr);
  ASSERT_NE(dst, nullptr);
  const uint64_t block = g.block_size();
  // Give the destination some stale state the copy must wipe.
  ASSERT_TRUE(dst->Write({.addr = 7 * block}, Bytes(g.page_size, 0x11), {}).ok());
  ASSERT_TRUE(src->Erase(2 * block, block).ok());
  ASSERT_TRUE(src->Erase(2 * block, block).ok());
  ASSERT_TRUE(src->Write({.addr = 2 * block}, Bytes(512, 0xA5), {}).ok());  // one subpage
  ASSERT_GT(g.nop, 0u);
  for (uint32_t i = 0; i < g.nop; ++i) {  // the page has used up its partial programs
    ASSERT_TRUE(src->Write({.addr = 3 * block + g.page_size}, Bytes(g.page_size, 0x3C), {}).ok());
  }
  ASSERT_TRUE(src->MarkBad(5 * block).ok());
  src->AddCellError(3 * g.pages_per_block + 1, 17);

  ASSERT_TRUE(dst->CopyStateFrom(*src).ok());
  for (uint64_t p = 0; p < g.total_pages(); ++p) {
    ASSERT_EQ(ReadRaw(*dst, p * g.page_size), ReadRaw(*src, p * g.page_size)) << "page " << p;
  }
  for (uint32_t b = 0; b < g.block_count; ++b) {
    EXPECT_EQ(dst->block_counters(b).erases, src->block_counters(b).erases) << "block " << b;
    EXPECT_EQ(dst->BlockIsBad(b), src->BlockIsBad(b)) << "block " << b;
  }
  EXPECT_TRUE(dst->HasCellError(3 * g.pages_per_block + 1, 17));
  // The programming state came along: the copy allows the same further
  // subpage programs and refuses a program past NOP.
  EXPECT_TRUE(dst->Write({.addr = 2 * block + 512}, Bytes(512, 0x5A), {}).ok());
  EXPECT_FALSE(dst->Write({.addr = 3 * block + g.page_size}, Bytes(g.page_size, 0x00), {}).ok());
  // Changes to the copy never reach the source.
  ASSERT_TRUE(dst->Erase(3 * block, block).ok());
  EXPECT_EQ(ReadRaw(*src, 3 * block + g.page_size)[0], 0x3C);
  EXPECT_EQ(ReadRaw(*dst, 3 * block + g.page_size)[0], 0xFF);
}

// Every page, raw, plus per-block wear and bad marks: the state a sync must
// reproduce.
std::vector<uint8_t> Snapshot(NandModel& m) {
  const Geometry& g = m.geometry();
  std::vector<uint8_t> all;
  for (uint64_t p = 0; p < g.total_pages(); ++p) {
    const std::vector<uint8_t> page = ReadRaw(m, p * g.page_size);
    all.insert(all.end(), page.begin(), page.end());
  }
  for (uint32_t b = 0; b < g.block_count; ++b) {
    all.push_back(static_cast<uint8_t>(m.block_counters(b).erases));
    all.push_back(m.BlockIsBad(b) ? 1 : 0);
  }
  return all;
}

// Seeded scribbles: erases, writes of whole pages, a bad mark.
void Scribble(NandModel& m, uint32_t seed, int n) {
  const Geometry& g = m.geometry();
  uint32_t x = seed * 2654435761u + 1;
  auto next = [&x] { return x = x * 1103515245u + 12345u; };
  for (int i = 0; i < n; ++i) {
    const uint32_t b = next() % g.block_count;
    if (m.BlockIsBad(b)) continue;
    const uint64_t base = uint64_t{b} * g.block_size();
    switch (next() % 5) {
      case 0: ASSERT_TRUE(m.Erase(base, g.block_size()).ok()); break;
      case 1:
        if (b != 0) {
          ASSERT_TRUE(m.MarkBad(base).ok());
        }
        break;
      default: {
        const uint64_t page = next() % g.pages_per_block;
        (void)m.Write({.addr = base + page * g.page_size},
                      Bytes(g.page_size, static_cast<uint8_t>(next())), {});
      }
    }
  }
}

TEST(NandModelCopyTest, SyncCopiesWhatEitherSideChanged) {
  const Geometry g = SmallGeometry();
  auto src = MakeModel(g);
  auto dst = MakeModel(g);
  auto other = MakeModel(g);
  Scribble(*src, 1, 40);
  ASSERT_TRUE(dst->SyncStateFrom(*src).ok());  // first time: everything
  EXPECT_EQ(Snapshot(*dst), Snapshot(*src));
  for (uint32_t round = 2; round < 12; ++round) {
    Scribble(*src, round, 6);         // the cursor advances
    Scribble(*dst, round + 100, 6);   // the kernel wrote while checking
    if (round == 7) {                 // the source is synced elsewhere: the pairing breaks
      ASSERT_TRUE(other->SyncStateFrom(*src).ok());
      Scribble(*src, 77, 6);
    }
    ASSERT_TRUE(dst->SyncStateFrom(*src).ok());
    ASSERT_EQ(Snapshot(*dst), Snapshot(*src)) << "round " << round;
  }
  // A full copy sets no pairing: the next sync copies everything again.
  Scribble(*dst, 500, 6);
  ASSERT_TRUE(dst->CopyStateFrom(*src).ok());
  Scribble(*src, 501, 6);
  ASSERT_TRUE(dst->SyncStateFrom(*src).ok());
  EXPECT_EQ(Snapshot(*dst), Snapshot(*src));
}

TEST(NandModelCopyTest, RefusesAnotherGeometry) {
  Geometry other = SmallGeometry();
  other.block_count = 8;
  auto a = MakeModel(SmallGeometry());
  auto b = MakeModel(other);
  EXPECT_EQ(b->CopyStateFrom(*a).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b->SyncStateFrom(*a).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flashfault::testing
