// SharedRamStore: what another process reading its memfd sees (the MUSE
// module's direct reads), and that the model behaves the same on it as on
// RamStore.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <random>

#include "backends/model/nand_model.h"
#include "backends/model/presets.h"
#include "backends/store/ram_store.h"
#include "backends/store/shared_ram_store.h"

namespace flashfault {
namespace {

using ::testing::Each;

constexpr uint64_t kBlockBytes = 64 * (2048 + 64);

// Reads the store's file as another process would, with pread on its fd.
std::vector<uint8_t> ReadFile(const PageStore& s, uint64_t offset, size_t len) {
  std::vector<uint8_t> out(len);
  EXPECT_EQ(::pread(s.shared_fd(), out.data(), len, static_cast<off_t>(offset)),
            static_cast<ssize_t>(len));
  return out;
}

TEST(SharedRamStoreTest, WrittenBlocksAreInTheFile) {
  auto store = SharedRamStore::Create(kBlockBytes, 16);
  ASSERT_TRUE(store.ok()) << store.status();
  SharedRamStore& s = **store;
  ASSERT_GE(s.shared_fd(), 0);
  EXPECT_FALSE(s.BlockInFile(3));
  EXPECT_THAT(s.Block(3), Each(0xFF));  // erased, without touching the file

  std::span<uint8_t> b = s.MutableBlock(3);
  EXPECT_TRUE(s.BlockInFile(3));
  EXPECT_THAT(ReadFile(s, 3 * kBlockBytes, kBlockBytes), Each(0xFF));
  b[100] = 0x12;
  EXPECT_EQ(ReadFile(s, 3 * kBlockBytes + 100, 1)[0], 0x12);  // same pages, no copy
  s.EraseBlock(3);
  EXPECT_TRUE(s.BlockInFile(3));
  EXPECT_THAT(ReadFile(s, 3 * kBlockBytes, kBlockBytes), Each(0xFF));
  EXPECT_FALSE(s.BlockInFile(4));
}

TEST(SharedRamStoreTest, RefusesImpossibleSizes) {
  EXPECT_FALSE(SharedRamStore::Create(0, 16).ok());
  EXPECT_FALSE(SharedRamStore::Create(kBlockBytes, 0).ok());
  EXPECT_FALSE(SharedRamStore::Create(uint64_t{1} << 40, 1u << 30).ok());  // overflows
}

// The model on either store: identical answers to the same random ops.
TEST(SharedRamStoreTest, ModelBehavesAsOnRamStore) {
  const Geometry g = *FindPreset("slc-2k-64m");
  auto shared = SharedRamStore::Create(kBlockBytes, g.block_count);
  ASSERT_TRUE(shared.ok());
  auto a = NandModel::Create(g, std::move(*shared));
  auto b = NandModel::Create(g, std::make_unique<RamStore>(kBlockBytes, g.block_count));
  ASSERT_TRUE(a.ok() && b.ok());
  std::mt19937_64 rng(7);
  std::vector<uint8_t> page(g.page_size), ra(g.page_size), rb(g.page_size);
  for (int i = 0; i < 2000; ++i) {
    const uint64_t addr = (rng() % 8) * g.block_size() + (rng() % 64) * g.page_size;
    switch (rng() % 3) {
      case 0:
        for (auto& v : page) v = static_cast<uint8_t>(rng());
        ASSERT_EQ((*a)->Write({.addr = addr}, page, {}), (*b)->Write({.addr = addr}, page, {}));
        break;
      case 1:
        ASSERT_EQ((*a)->Read({.addr = addr}, ra, {}).status(),
                  (*b)->Read({.addr = addr}, rb, {}).status());
        ASSERT_EQ(ra, rb) << i;
        break;
      case 2: {
        const uint64_t block = addr / g.block_size() * g.block_size();
        ASSERT_EQ((*a)->Erase(block, g.block_size()), (*b)->Erase(block, g.block_size()));
        break;
      }
    }
  }
  // What the model holds is what the file holds, page data at page * stride.
  PageStore& s = (*a)->store();
  for (uint32_t blk = 0; blk < 8; ++blk) {
    if (!s.BlockInFile(blk)) continue;
    std::vector<uint8_t> file = ReadFile(s, blk * kBlockBytes, kBlockBytes);
    std::span<const uint8_t> mem = s.Block(blk);
    ASSERT_TRUE(std::equal(mem.begin(), mem.end(), file.begin())) << blk;
  }
}

}  // namespace
}  // namespace flashfault
