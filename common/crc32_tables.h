// The slicing-by-8 tables of the one CRC-32 (crc32.h), built at compile
// time, and the steps that use them: eight bytes, or one. Shared by the
// table walk (crc32.cc) and the end of a fold (crc32_fold.cc).
// Must not: be included outside common/crc32*.cc.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace flashfault::crc32_detail {

using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    t[0][i] = c;
  }
  // t[k][i] is the register after byte i followed by k zero bytes.
  for (uint32_t i = 0; i < 256; ++i) {
    for (int k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
  }
  return t;
}

inline constexpr Tables kTables = MakeTables();

// Eight message bytes, read as a little-endian word, through register `crc`.
inline uint32_t Step8(uint32_t crc, uint64_t word) {
  const uint32_t lo = crc ^ static_cast<uint32_t>(word);
  const auto hi = static_cast<uint32_t>(word >> 32);
  return kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^
         kTables[4][lo >> 24] ^ kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^
         kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
}

inline uint64_t LoadLe64(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  return w;
}

// The last bytes of a run (any count): words, then single bytes.
inline uint32_t StepTail(uint32_t crc, const uint8_t* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) crc = Step8(crc, LoadLe64(p));
  while (n-- > 0) crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xFF];
  return crc;
}

}  // namespace flashfault::crc32_detail
