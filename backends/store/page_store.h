// PageStore: where the bytes of a flash part live (the backend).
//
// A store holds, for every eraseblock, its pages laid out as nanddump writes
// them: page data then that page's OOB, page after page. It knows nothing of
// NAND rules, ECC or faults; the model (backends/model) is the only writer.
// Blocks never written may be shared read-only erased (0xFF) memory, so a
// store of a large part costs only what was programmed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"

namespace flashfault {

// Per-block state that must survive a restart together with the contents.
struct BlockMeta {
  uint64_t erases = 0;
  bool bad = false;  // in the bad block table (markbad), beyond any OOB marker
};

class PageStore {
 public:
  virtual ~PageStore() = default;

  // Bytes per eraseblock, data and OOB interleaved page by page.
  virtual uint64_t block_bytes() const = 0;
  virtual uint32_t block_count() const = 0;

  // The contents of `block`. Valid until the next call that changes the
  // store. REQUIRES: block < block_count().
  virtual std::span<const uint8_t> Block(uint32_t block) const = 0;
  // The contents of `block` for writing (allocates it if needed). Marks the
  // block changed (see below).
  std::span<uint8_t> MutableBlock(uint32_t block) {
    changed_[block] = 1;
    return MutableBlockContents(block);
  }
  // Sets every byte of `block` to 0xFF. Marks the block changed.
  void EraseBlock(uint32_t block) {
    changed_[block] = 1;
    EraseBlockContents(block);
  }
  // Makes every change so far durable, block metadata included (no-op for RAM).
  virtual absl::Status Sync() = 0;

  // For a reader in another process (the MUSE module's direct reads): a
  // file holding the store in the layout above from offset 0, or -1, and
  // whether `block`'s current contents are in that file (a lazily
  // allocated store keeps never-written blocks elsewhere).
  virtual int shared_fd() const { return -1; }
  virtual bool BlockInFile(uint32_t /*block*/) const { return false; }

  // Wear and bad block table, kept by the store so that a persistent store
  // can save them beside the contents. The model is the only writer.
  const BlockMeta& meta(uint32_t block) const { return meta_[block]; }
  BlockMeta& mutable_meta(uint32_t block) {
    changed_[block] = 1;
    return meta_[block];
  }

  // Blocks whose contents or metadata may have changed since the last
  // ClearChanged(): every MutableBlock, EraseBlock and mutable_meta marks
  // its block (a write access counts as a change). Lets two copies of a part
  // be made equal again by copying only what either side touched
  // (NandModel::SyncStateFrom).
  bool changed(uint32_t block) const { return changed_[block] != 0; }
  void ClearChanged() { std::fill(changed_.begin(), changed_.end(), 0); }

 protected:
  explicit PageStore(uint32_t block_count) : meta_(block_count), changed_(block_count, 1) {}
  // The backend's halves of MutableBlock and EraseBlock.
  virtual std::span<uint8_t> MutableBlockContents(uint32_t block) = 0;
  virtual void EraseBlockContents(uint32_t block) = 0;

  std::vector<BlockMeta> meta_;

 private:
  std::vector<uint8_t> changed_;  // one byte per block, not vector<bool>: set on hot paths
};

}  // namespace flashfault
