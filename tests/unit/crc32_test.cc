// The one CRC-32: known values, and the folding path (crc32_fold.cc) equal
// to the table path for every length, seed and alignment it is used for.
#include "common/crc32.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <vector>

#include "common/crc32_detail.h"

namespace flashfault {
namespace {

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Crc32, KnownValues) {
  // zlib's crc32("123456789") is 0xCBF43926: this CRC with both inversions.
  EXPECT_EQ(Crc32Update(0xFFFFFFFF, AsBytes("123456789")) ^ 0xFFFFFFFF, 0xCBF43926u);
  // Long enough to fold: 43 bytes, the same through either path.
  const std::string_view fox = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(Crc32Update(0xFFFFFFFF, AsBytes(fox)) ^ 0xFFFFFFFF, 0x414FA339u);
  EXPECT_EQ(crc32_detail::TableUpdate(0xFFFFFFFF, AsBytes(fox)) ^ 0xFFFFFFFF, 0x414FA339u);
  EXPECT_EQ(Crc32Update(0, {}), 0u);
}

TEST(Crc32, FoldingEqualsTheTableForEveryLengthSeedAndAlignment) {
  if (!crc32_detail::CanFold()) GTEST_SKIP() << "this CPU has no PCLMULQDQ";
  std::mt19937_64 rng(17);
  std::vector<uint8_t> buf(5000 + 16);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t len = crc32_detail::kFoldMin; len <= 600; ++len) {
    for (size_t align = 0; align < 16; align += 5) {
      const uint32_t seed = static_cast<uint32_t>(rng());
      std::span<const uint8_t> d(buf.data() + align, len);
      ASSERT_EQ(crc32_detail::FoldUpdate(seed, d), crc32_detail::TableUpdate(seed, d))
          << "len " << len << " align " << align;
    }
  }
  for (size_t len : {1024u, 2048u, 4096u, 4144u, 5000u}) {
    std::span<const uint8_t> d(buf.data(), len);
    EXPECT_EQ(crc32_detail::FoldUpdate(0xFFFFFFFF, d), crc32_detail::TableUpdate(0xFFFFFFFF, d));
  }
}

}  // namespace
}  // namespace flashfault
