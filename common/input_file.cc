// See input_file.h.
#include "common/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace flashfault {

absl::StatusOr<std::string> ReadInputFile(const std::string& path, uint64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": cannot open: no such file"));
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open: ", std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, expected a file"));
  }
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      // EISDIR comes here on filesystems where open() of a directory works.
      if (err == EISDIR) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, expected a file"));
      }
      return absl::DataLossError(absl::StrCat(path, ": read failed: ", std::strerror(err)));
    }
    if (text.size() + static_cast<uint64_t>(n) > max_bytes) {
      ::close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than ", max_bytes, " bytes; not an input flashfault reads"));
    }
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

std::string ReadFileOrEmpty(const std::string& path) {
  absl::StatusOr<std::string> text = ReadInputFile(path);
  return text.ok() ? *std::move(text) : std::string();
}

absl::Status CheckOutputPath(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory; give the name of a file to write"));
  }
  return absl::OkStatus();
}

absl::Status CheckNotSameFile(const std::string& in, const std::string& out) {
  struct stat a {}, b {};
  if (::stat(in.c_str(), &a) != 0 || ::stat(out.c_str(), &b) != 0) return absl::OkStatus();
  if (a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
    return absl::InvalidArgumentError(
        absl::StrCat(out, ": is the input ", in, " itself; refusing to overwrite it"));
  }
  return absl::OkStatus();
}

}  // namespace flashfault
