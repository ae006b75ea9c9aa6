// EccEngine: what a NAND controller's ECC decoder reports for one page.
//
// The store keeps, for every page, the bytes the ECC codeword encodes (what
// was programmed). Deviations of the physical cells from those bytes are kept
// apart as CellErrors (bit positions). Decoding a page then means counting
// the deviations per ECC step: within the strength the programmed bytes come
// back (corrected), beyond it the raw cells come back and the step fails.
// This is exact for the decisions a real BCH decoder makes, without paying for
// BCH arithmetic on the clean path. OOB bytes are outside ECC coverage, as on
// many controllers, so deviations there always show (silent corruption).
//
// It must not decide where errors come from: that is the fault layer's job.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "backends/model/flash_device.h"
#include "backends/model/geometry.h"

namespace flashfault {

// Deviating bits of one page, as bit indexes over page data then OOB
// (bit b is byte b/8, mask 1 << (b%8)). Sorted, no duplicates.
using CellErrors = std::vector<uint32_t>;

class EccEngine {
 public:
  explicit EccEngine(const Geometry& geometry);

  // Decodes one page. `page` holds the programmed bytes (data then OOB) and
  // is changed in place into what the read returns. `raw` skips correction.
  ReadReport Decode(const CellErrors& errors, std::span<uint8_t> page, bool raw) const;

 private:
  const Geometry& geometry_;
  uint32_t steps_;
  uint32_t threshold_;
};

// Toggles bit `bit` of `bytes` (bit indexes as in CellErrors).
inline void FlipBit(std::span<uint8_t> bytes, uint32_t bit) {
  bytes[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
}

}  // namespace flashfault
