// The one CRC-32 of the project: the reflected IEEE 802.3 polynomial
// (0xEDB88320) with neither the initial nor the final inversion applied, so
// that each on-flash format states its own seed.
//
// Why no inversions: UBI and UBIFS seed with 0xFFFFFFFF and store the
// register as it ends (no final xor); JFFS2 seeds with 0 and stores it as it
// ends too. zlib's crc32() is this function with ~seed in and ~result out.
// Must not: allocate, or read outside `data`.
#pragma once

#include <cstdint>
#include <span>

#include "common/crc32_detail.h"

namespace flashfault {

// Continues a CRC over `data` from register value `crc`. Inline: decoders
// call it for every node of every page they classify.
inline uint32_t Crc32Update(uint32_t crc, std::span<const uint8_t> data) {
  if (data.size() >= crc32_detail::kFoldMin && crc32_detail::can_fold) {
    return crc32_detail::FoldUpdate(crc, data);
  }
  return crc32_detail::TableUpdate(crc, data);
}

}  // namespace flashfault
