// The last lines of a text file, read backwards from its end, so the tail of
// a multi-gigabyte log costs what the tail holds, not the whole file.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace flashfault {

// Up to `max_lines` complete lines at the end of `path`, oldest first,
// without their newlines. A final line without a newline counts too.
absl::StatusOr<std::vector<std::string>> TailLines(const std::string& path, size_t max_lines);

}  // namespace flashfault
