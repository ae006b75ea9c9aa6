// FileStore: a PageStore on an image file, mapped into memory.
//
// The image holds every page as data then OOB, block after block: exactly
// what `nanddump --oob` writes, so an image is also a valid nanddump file.
// Writes go to the shared mapping; Sync() msyncs it and then calls the
// owner's sidecar writer (block metadata), so an operation is durable once
// Sync() returned OK. It must not interpret the bytes.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "backends/store/page_store.h"

namespace flashfault {

class FileStore final : public PageStore {
 public:
  // Opens an existing image of exactly block_bytes * block_count bytes; a
  // shorter or longer file is refused with both sizes in the message.
  static absl::StatusOr<std::unique_ptr<FileStore>> Open(const std::string& path,
                                                         uint64_t block_bytes,
                                                         uint32_t block_count);
  ~FileStore() override;

  uint64_t block_bytes() const override { return block_bytes_; }
  uint32_t block_count() const override { return block_count_; }
  std::span<const uint8_t> Block(uint32_t block) const override;
  std::span<uint8_t> MutableBlockContents(uint32_t block) override;
  void EraseBlockContents(uint32_t block) override;
  absl::Status Sync() override;
  int shared_fd() const override { return fd_; }
  bool BlockInFile(uint32_t) const override { return true; }

  // Called at the end of every successful Sync(), to persist what the file
  // itself does not hold (erase counts, bad block table).
  void set_sidecar_writer(std::function<absl::Status()> writer) { sidecar_ = std::move(writer); }
  const std::string& path() const { return path_; }

 private:
  FileStore(std::string path, int fd, uint8_t* map, uint64_t block_bytes, uint32_t block_count);

  std::string path_;
  int fd_;
  uint8_t* map_;
  uint64_t block_bytes_;
  uint32_t block_count_;
  std::function<absl::Status()> sidecar_;
};

// Writes `size` bytes of 0xFF to a new file at `path` (through a temporary
// name and a rename, so a failure never leaves half an image).
absl::Status CreateErasedImage(const std::string& path, uint64_t size);

}  // namespace flashfault
