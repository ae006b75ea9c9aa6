// Walking the set bits of a cell mask: bit i is bit i % 64 of word i / 64,
// the layout of CellErrorSet masks and FaultRecord::bit_mask. Header only;
// it must stay free of any flash or fault knowledge.
#pragma once

#include <bit>
#include <cstdint>
#include <span>

namespace flashfault {

// Calls fn(bit) for every set bit of `mask`, lowest first.
template <typename Fn>
void ForEachSetBit(std::span<const uint64_t> mask, Fn fn) {
  for (size_t w = 0; w < mask.size(); ++w) {
    for (uint64_t m = mask[w]; m != 0; m &= m - 1) fn(uint64_t{w} * 64 + std::countr_zero(m));
  }
}

}  // namespace flashfault
