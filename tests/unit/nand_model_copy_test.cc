// NandModel::CopyStateFrom: the copy reads, wears, marks bad and keeps the
// programming rules exactly as the source, and the source is untouched by
// what happens to the copy afterwards (crash states are checked on copies).
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

TEST(NandModelCopyTest, RefusesAnotherGeometry) {
  Geometry other = SmallGeometry();
  other.block_count = 8;
  auto a = MakeModel(SmallGeometry());
  auto b = MakeModel(other);
  EXPECT_EQ(b->CopyStateFrom(*a).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flashfault::testing
