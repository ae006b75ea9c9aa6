// FileStore implementation; see file_store.h.
#include "backends/store/file_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"

namespace flashfault {

absl::StatusOr<std::unique_ptr<FileStore>> FileStore::Open(const std::string& path,
                                                           uint64_t block_bytes,
                                                           uint32_t block_count) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open image: ", std::strerror(errno)));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat(path, ": ", std::strerror(err)));
  }
  const uint64_t want = block_bytes * block_count;
  if (static_cast<uint64_t>(st.st_size) != want) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": image is ", st.st_size, " bytes but the geometry needs ", want, " (",
        block_count, " blocks of ", block_bytes, " bytes)",
        static_cast<uint64_t>(st.st_size) < want ? "; the image is truncated" : ""));
  }
  void* map = ::mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    const int err = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat(path, ": mmap failed: ", std::strerror(err)));
  }
  return std::unique_ptr<FileStore>(
      new FileStore(path, fd, static_cast<uint8_t*>(map), block_bytes, block_count));
}

FileStore::FileStore(std::string path, int fd, uint8_t* map, uint64_t block_bytes,
                     uint32_t block_count)
    : PageStore(block_count),
      path_(std::move(path)),
      fd_(fd),
      map_(map),
      block_bytes_(block_bytes),
      block_count_(block_count) {}

FileStore::~FileStore() {
  ::munmap(map_, block_bytes_ * block_count_);
  ::close(fd_);
}

std::span<const uint8_t> FileStore::Block(uint32_t block) const {
  return {map_ + block * block_bytes_, block_bytes_};
}

std::span<uint8_t> FileStore::MutableBlockContents(uint32_t block) {
  return {map_ + block * block_bytes_, block_bytes_};
}

void FileStore::EraseBlockContents(uint32_t block) { std::memset(map_ + block * block_bytes_, 0xFF, block_bytes_); }

absl::Status FileStore::Sync() {
  if (::msync(map_, block_bytes_ * block_count_, MS_SYNC) != 0) {
    return absl::DataLossError(absl::StrCat(path_, ": msync failed: ", std::strerror(errno)));
  }
  return sidecar_ ? sidecar_() : absl::OkStatus();
}

absl::Status CreateErasedImage(const std::string& path, uint64_t size) {
  return WriteFileAtomically(path, [size](int fd) -> absl::Status {
    std::vector<uint8_t> chunk(1 << 20, 0xFF);
    for (uint64_t done = 0; done < size;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), size - done));
      FF_RETURN_IF_ERROR(WriteAll(fd, chunk.data(), n));
      done += n;
    }
    return absl::OkStatus();
  });
}

}  // namespace flashfault
