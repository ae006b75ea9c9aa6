// RamStore: a PageStore in memory, allocated block by block on first write.
//
// Erased blocks share one read-only 0xFF buffer, so an empty 1 GiB part costs
// almost nothing. A block once written keeps its buffer; erasing a block that
// was not handed out for writing since its last erase costs nothing, so a
// model reset (erase every block) pays only for the blocks actually written.
// Not thread-safe; the model serialises access.
#pragma once

#include <memory>
#include <vector>

#include "backends/store/page_store.h"

namespace flashfault {

class RamStore final : public PageStore {
 public:
  RamStore(uint64_t block_bytes, uint32_t block_count);

  uint64_t block_bytes() const override { return block_bytes_; }
  uint32_t block_count() const override { return static_cast<uint32_t>(blocks_.size()); }
  std::span<const uint8_t> Block(uint32_t block) const override;
  std::span<uint8_t> MutableBlockContents(uint32_t block) override;
  void EraseBlockContents(uint32_t block) override;
  absl::Status Sync() override { return absl::OkStatus(); }

 private:
  uint64_t block_bytes_;
  std::vector<std::unique_ptr<uint8_t[]>> blocks_;  // null = never written (erased)
  // Per block: handed out by MutableBlock since its last erase, so its
  // buffer may hold other bytes than 0xFF.
  std::vector<uint8_t> dirty_;
  std::unique_ptr<uint8_t[]> erased_;               // block_bytes_ of 0xFF
};

}  // namespace flashfault
