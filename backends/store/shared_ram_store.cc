// SharedRamStore implementation; see shared_ram_store.h.
#include "backends/store/shared_ram_store.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace flashfault {

absl::StatusOr<std::unique_ptr<SharedRamStore>> SharedRamStore::Create(uint64_t block_bytes,
                                                                       uint32_t block_count) {
  const uint64_t size = block_bytes * block_count;
  if (block_bytes == 0 || block_count == 0 || size / block_count != block_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("shared RAM store: bad size ", block_bytes, " x ", block_count));
  }
  const int fd = ::memfd_create("flashfault-store", MFD_CLOEXEC);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("shared RAM store: memfd_create: ",
                                            std::strerror(errno)));
  }
  // Sparse: tmpfs allocates a page only when it is first written.
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::InternalError(
        absl::StrCat("shared RAM store: ftruncate to ", size, " bytes: ", std::strerror(err)));
  }
  void* map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (map == MAP_FAILED) {
    const int err = errno;
    ::close(fd);
    return absl::InternalError(
        absl::StrCat("shared RAM store: mmap of ", size, " bytes: ", std::strerror(err)));
  }
  return std::unique_ptr<SharedRamStore>(
      new SharedRamStore(fd, static_cast<uint8_t*>(map), block_bytes, block_count));
}

SharedRamStore::SharedRamStore(int fd, uint8_t* map, uint64_t block_bytes, uint32_t block_count)
    : PageStore(block_count), fd_(fd), map_(map), block_bytes_(block_bytes),
      in_file_(block_count), erased_(new uint8_t[block_bytes]) {
  std::memset(erased_.get(), 0xFF, block_bytes_);
}

SharedRamStore::~SharedRamStore() {
  ::munmap(map_, block_bytes_ * in_file_.size());
  ::close(fd_);
}

std::span<const uint8_t> SharedRamStore::Block(uint32_t block) const {
  const uint8_t* p = in_file_[block] ? map_ + block * block_bytes_ : erased_.get();
  return {p, block_bytes_};
}

std::span<uint8_t> SharedRamStore::MutableBlockContents(uint32_t block) {
  uint8_t* p = map_ + block * block_bytes_;
  if (!in_file_[block]) {
    // One write() allocates the block's tmpfs pages and one madvise maps
    // them: a memset through the mapping takes a page fault per 4 KiB
    // instead, which under TCG costs more than the write that follows.
    const off_t at = static_cast<off_t>(block * block_bytes_);
    if (::pwrite(fd_, erased_.get(), block_bytes_, at) == static_cast<ssize_t>(block_bytes_)) {
      // Best effort (Linux >= 5.14); madvise wants a page-aligned start.
      const uintptr_t start = reinterpret_cast<uintptr_t>(p) & ~uintptr_t{4095};
      ::madvise(reinterpret_cast<void*>(start), reinterpret_cast<uintptr_t>(p) + block_bytes_ - start,
                MADV_POPULATE_WRITE);
    } else {
      std::memset(p, 0xFF, block_bytes_);
    }
    in_file_[block] = true;
  }
  return {p, block_bytes_};
}

void SharedRamStore::EraseBlockContents(uint32_t block) {
  // Keep the pages: a block erased once is usually written again soon.
  if (in_file_[block]) std::memset(map_ + block * block_bytes_, 0xFF, block_bytes_);
}

}  // namespace flashfault
