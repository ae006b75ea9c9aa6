// Helpers for the control filesystem tests: plain-syscall file I/O (what
// `cat` and `echo >` do, with the errno kept), mount table checks, and the
// /dev/fuse precondition, which FAILS the test instead of skipping it: a
// machine without usable FUSE must not look green.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace flashfault::control_test {

// Reads the whole file; returns -1 and sets *err on failure.
inline int ReadFile(const std::string& path, std::string* out, int* err = nullptr,
                    size_t chunk = 4096) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (err) *err = errno;
    return -1;
  }
  out->clear();
  std::string buf(chunk, '\0');
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (err) *err = errno;
      ::close(fd);
      return -1;
    }
    if (n == 0) break;
    out->append(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return 0;
}

inline std::string Slurp(const std::string& path) {
  std::string s;
  int err = 0;
  EXPECT_EQ(ReadFile(path, &s, &err), 0) << path << ": " << std::strerror(err);
  return s;
}

// One open-write-close in `chunk`-sized write() calls, as a shell
// redirection does. Returns 0, or the errno of the failing write or close.
inline int WriteFile(const std::string& path, const std::string& content,
                     size_t chunk = 1 << 20) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = 0;
  for (size_t done = 0; done < content.size() && err == 0;) {
    const ssize_t n = ::write(fd, content.data() + done, std::min(chunk, content.size() - done));
    if (n < 0) err = errno;
    else done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 && err == 0) err = errno;
  return err;
}

// True when /proc/self/mountinfo lists `dir` as a mount point.
inline bool IsMounted(const std::string& dir) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // Fields: id parent major:minor root mountpoint ...
    size_t pos = 0;
    for (int i = 0; i < 4 && pos != std::string::npos; ++i) pos = line.find(' ', pos + 1);
    if (pos == std::string::npos) continue;
    const size_t end = line.find(' ', pos + 1);
    if (line.substr(pos + 1, end - pos - 1) == dir) return true;
  }
  return false;
}

// The precondition of every mounting test.
inline void RequireFuse() {
  const int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0) << "cannot open /dev/fuse (" << std::strerror(errno)
                   << "): the control filesystem tests need FUSE; run them as root or "
                      "as a user allowed to use /dev/fuse (and have fusermount3)";
  ::close(fd);
}

}  // namespace flashfault::control_test
