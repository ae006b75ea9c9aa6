// See stored_map.h.
#include "fault-models/stored_map.h"

#include <cstring>
#include <vector>

namespace flashfault {

absl::StatusOr<decoders::ImageMap> MapStoredCells(NandModel& model) {
  const Geometry& g = model.geometry();
  const uint64_t block_size = g.block_size();
  const decoders::FlashFacts facts{g.page_size, static_cast<uint32_t>(block_size), g.page_size,
                                   g.block_count};
  // The store keeps each page's OOB after its data (NAND); the decoders
  // want the in-band bytes of the eraseblock back to back.
  const uint64_t stride = uint64_t{g.page_size} + (g.is_nand() ? g.oob_size : 0);
  std::vector<uint8_t> block(block_size);
  return decoders::DescribeImage(
      facts,
      [&](uint32_t peb) -> absl::StatusOr<decoders::Bytes> {
        const std::span<const uint8_t> cells = model.store().Block(peb);
        if (!g.is_nand()) return decoders::Bytes(cells.first(block_size));
        for (uint32_t p = 0; p < g.pages_per_block; ++p) {
          std::memcpy(block.data() + uint64_t{p} * g.page_size, cells.data() + p * stride,
                      g.page_size);
        }
        return decoders::Bytes(block);
      },
      [&](uint32_t peb) { return model.BlockIsBad(peb); });
}

}  // namespace flashfault
