// See tail_lines.h.
#include "common/tail_lines.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace flashfault {

absl::StatusOr<std::vector<std::string>> TailLines(const std::string& path, size_t max_lines) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  struct stat st;
  ::fstat(fd, &st);
  // Read chunks from the end until enough newlines are in hand.
  std::string tail;
  off_t pos = st.st_size;
  constexpr off_t kChunk = 64 * 1024;
  while (pos > 0 && static_cast<size_t>(std::count(tail.begin(), tail.end(), '\n')) <= max_lines) {
    const off_t n = std::min(kChunk, pos);
    pos -= n;
    std::string chunk(static_cast<size_t>(n), '\0');
    if (::pread(fd, chunk.data(), chunk.size(), pos) != n) {
      const int err = errno;
      ::close(fd);
      return absl::DataLossError(absl::StrCat(path, ": read failed: ", std::strerror(err)));
    }
    tail.insert(0, chunk);
  }
  ::close(fd);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < tail.size()) {
    size_t end = tail.find('\n', start);
    if (end == std::string::npos) end = tail.size();
    lines.push_back(tail.substr(start, end - start));
    start = end + 1;
  }
  // When reading stopped mid-file, the first piece is a partial line.
  if (pos > 0 && !lines.empty()) lines.erase(lines.begin());
  if (lines.size() > max_lines) lines.erase(lines.begin(), lines.end() - static_cast<long>(max_lines));
  return lines;
}

}  // namespace flashfault
