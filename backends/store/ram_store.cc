// RamStore implementation; see ram_store.h.
#include "backends/store/ram_store.h"

#include <cstring>

namespace flashfault {

RamStore::RamStore(uint64_t block_bytes, uint32_t block_count)
    : PageStore(block_count), block_bytes_(block_bytes), blocks_(block_count), dirty_(block_count) {
  erased_.reset(new uint8_t[block_bytes_]);
  std::memset(erased_.get(), 0xFF, block_bytes_);
}

std::span<const uint8_t> RamStore::Block(uint32_t block) const {
  const uint8_t* p = blocks_[block] ? blocks_[block].get() : erased_.get();
  return {p, block_bytes_};
}

std::span<uint8_t> RamStore::MutableBlockContents(uint32_t block) {
  std::unique_ptr<uint8_t[]>& b = blocks_[block];
  if (!b) {
    b.reset(new uint8_t[block_bytes_]);
    std::memset(b.get(), 0xFF, block_bytes_);
  }
  dirty_[block] = 1;
  return {b.get(), block_bytes_};
}

void RamStore::EraseBlockContents(uint32_t block) {
  // Keep the allocation: a block erased once is usually written again soon.
  if (!dirty_[block]) return;  // still all 0xFF (or the shared erased buffer)
  std::memset(blocks_[block].get(), 0xFF, block_bytes_);
  dirty_[block] = 0;
}

}  // namespace flashfault
