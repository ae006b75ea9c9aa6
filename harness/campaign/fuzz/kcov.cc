// KCOV trace-pc collection; see kcov.h. The ioctl numbers are the kernel's
// documented user ABI (Documentation/dev-tools/kcov.rst).
#include "harness/campaign/fuzz/kcov.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace flashfault::campaign::fuzz {
namespace {

constexpr char kKcovPath[] = "/sys/kernel/debug/kcov";
constexpr unsigned long kInitTrace = _IOR('c', 1, unsigned long);
constexpr unsigned long kEnable = _IO('c', 100);
constexpr unsigned long kDisable = _IO('c', 101);
constexpr unsigned long kTracePc = 0;

}  // namespace

absl::StatusOr<std::unique_ptr<Kcov>> Kcov::Open(size_t max_pcs) {
  const int fd = ::open(kKcovPath, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat(kKcovPath, ": ", std::strerror(errno),
                                            " (a kernel without CONFIG_KCOV, or debugfs not mounted)"));
  }
  // Word 0 counts the PCs that follow. The kernel maps exactly words * 8
  // bytes, so the area is a whole number of pages.
  const size_t page_words = static_cast<size_t>(::sysconf(_SC_PAGESIZE)) / sizeof(uint64_t);
  const size_t words = (max_pcs + 1 + page_words - 1) / page_words * page_words;
  if (::ioctl(fd, kInitTrace, words) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return absl::InternalError(absl::StrCat("KCOV_INIT_TRACE: ", why));
  }
  void* area = ::mmap(nullptr, words * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (area == MAP_FAILED) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return absl::InternalError(absl::StrCat("mmap of the KCOV buffer: ", why));
  }
  return std::unique_ptr<Kcov>(new Kcov(fd, static_cast<uint64_t*>(area), words));
}

Kcov::~Kcov() {
  ::munmap(area_, words_ * sizeof(uint64_t));
  ::close(fd_);
}

absl::Status Kcov::Enable() {
  if (::ioctl(fd_, kEnable, kTracePc) != 0) {
    return absl::InternalError(absl::StrCat("KCOV_ENABLE: ", std::strerror(errno)));
  }
  __atomic_store_n(&area_[0], 0, __ATOMIC_RELAXED);
  return absl::OkStatus();
}

std::vector<uint64_t> Kcov::Disable(bool* overflowed) {
  const uint64_t n = __atomic_load_n(&area_[0], __ATOMIC_RELAXED);
  ::ioctl(fd_, kDisable, 0);
  const uint64_t kept = n < words_ - 1 ? n : words_ - 1;
  *overflowed = n >= words_ - 1;
  return std::vector<uint64_t>(area_ + 1, area_ + 1 + kept);
}

}  // namespace flashfault::campaign::fuzz
