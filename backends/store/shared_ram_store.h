// SharedRamStore: a PageStore in memory that another process can read: the
// bytes live in a memfd, mapped shared, in the layout of page_store.h.
//
// The MUSE module reads clean pages straight from this file (direct reads,
// harness/server/direct_reads.h), so the server's writes must land in the
// file itself, not in a private copy. Like RamStore, a block takes memory
// only once written: until then it reads from one shared 0xFF buffer and is
// not "in the file" (the file holds zeros there, which a reader must not
// take for erased flash). Not thread-safe; the model serialises access.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/store/page_store.h"

namespace flashfault {

class SharedRamStore final : public PageStore {
 public:
  // Fails (with the system's reason) when no memfd can be made or mapped.
  static absl::StatusOr<std::unique_ptr<SharedRamStore>> Create(uint64_t block_bytes,
                                                               uint32_t block_count);
  ~SharedRamStore() override;

  uint64_t block_bytes() const override { return block_bytes_; }
  uint32_t block_count() const override { return static_cast<uint32_t>(in_file_.size()); }
  std::span<const uint8_t> Block(uint32_t block) const override;
  std::span<uint8_t> MutableBlockContents(uint32_t block) override;
  void EraseBlockContents(uint32_t block) override;
  absl::Status Sync() override { return absl::OkStatus(); }
  int shared_fd() const override { return fd_; }
  bool BlockInFile(uint32_t block) const override { return in_file_[block]; }

 private:
  SharedRamStore(int fd, uint8_t* map, uint64_t block_bytes, uint32_t block_count);

  int fd_;
  uint8_t* map_;
  uint64_t block_bytes_;
  std::vector<bool> in_file_;          // written at least once
  std::unique_ptr<uint8_t[]> erased_;  // block_bytes_ of 0xFF
};

}  // namespace flashfault
