// CRC-32 by table; see crc32.h. Runs of kFoldMin bytes and more are folded
// by carry-less multiplication where the CPU can (crc32_fold.cc); the rest
// walk slicing-by-8 tables (crc32_tables.h): decoders check a CRC on every
// node of every page they classify, so a byte-at-a-time loop would
// dominate their cost.
#include "common/crc32.h"

#include "common/crc32_detail.h"
#include "common/crc32_tables.h"

namespace flashfault {

uint32_t crc32_detail::TableUpdate(uint32_t crc, std::span<const uint8_t> data) {
  return StepTail(crc, data.data(), data.size());
}

}  // namespace flashfault
