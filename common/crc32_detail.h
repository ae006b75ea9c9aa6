// The two ways of computing the one CRC-32 (crc32.h): a table walk over
// any bytes (crc32.cc), and carry-less multiplication folding for longer
// runs on CPUs that have it (crc32_fold.cc); Crc32Update chooses. Must
// not: be called outside crc32* and its tests (everything else calls
// Crc32Update).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace flashfault::crc32_detail {

// Slicing-by-8 over any bytes: the reference the folding is checked against.
uint32_t TableUpdate(uint32_t crc, std::span<const uint8_t> data);

// Whether this CPU has PCLMULQDQ: asked once, at start-up. Before that it
// reads false (zero-initialised), which only means the table is used.
extern const bool can_fold;
inline bool CanFold() { return can_fold; }
// The shortest run folding is used for: below it the table is cheaper.
inline constexpr size_t kFoldMin = 32;
// Folds 16 bytes at a time, then finishes with TableUpdate over what is
// left. Needs CanFold() and data.size() >= kFoldMin.
uint32_t FoldUpdate(uint32_t crc, std::span<const uint8_t> data);

}  // namespace flashfault::crc32_detail
