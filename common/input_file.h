// Reading a file a user names on the command line (a script, a geometry, a
// scenario, image metadata) and checking the paths a command reads and
// writes, so that every loader gives the same answer to the same mistake:
// a missing file is NotFound, a directory or the same file given twice is
// InvalidArgument (exit 2), each message starting with the path.
//
// Must not: interpret the bytes (json_load.h does that), write anything, or
// rely on the size fstat reports (0 for pipes and /dev/stdin): inputs are
// read until EOF.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace flashfault {

// Reads all of `path` (a file, a pipe, /dev/stdin). Refuses a directory and
// anything longer than `max_bytes` (InvalidArgument), so a mistaken
// /dev/zero cannot exhaust memory.
absl::StatusOr<std::string> ReadInputFile(const std::string& path,
                                          uint64_t max_bytes = uint64_t{1} << 30);

// The text of a file another process was meant to leave (a guest's
// result.json, its logs): "" when it is missing or unreadable, since a guest
// that died early leaves nothing and the caller judges that absence itself.
std::string ReadFileOrEmpty(const std::string& path);

// For a path about to be created or replaced: InvalidArgument when it names
// an existing directory; OK when it is absent or a regular file.
absl::Status CheckOutputPath(const std::string& path);

// InvalidArgument when `out` exists and is the same file (device and inode)
// as `in`: a command must never overwrite its own input.
absl::Status CheckNotSameFile(const std::string& in, const std::string& out);

}  // namespace flashfault
