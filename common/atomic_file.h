// Writing files so that a reader sees the old file or the whole new one,
// never half of it: write to a temporary name beside the target, fsync,
// rename. Every output file of the project goes through here.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "common/status_macros.h"

namespace flashfault {

// Writes all `len` bytes to `fd`, retrying short writes and EINTR.
absl::Status WriteAll(int fd, const void* data, size_t len);

// Creates `path` atomically with the bytes `fill` writes to the fd it gets.
// On any error, and on SIGINT or SIGTERM while writing, the temporary file
// is removed and `path` is untouched. A directory at `path` is
// InvalidArgument.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::function<absl::Status(int fd)>& fill);
absl::Status WriteFileAtomically(const std::string& path, const std::string& contents);

}  // namespace flashfault
