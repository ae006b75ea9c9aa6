// A scenario's own files ("files": a helper binary, a data set, an expected
// checksum list) that `flashfault run` ships into the guest beside the
// scenario, at $FF_FILES/<path as listed>. Checked when the scenario is read.
// Must not: read the files' contents, or let a path leave the scenario's
// folder or carry characters a guest shell or the cpio would misread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign {

struct ShippedFile {
  std::string host;   // the file on the host (the scenario's folder + path)
  std::string guest;  // the path as listed, relative: the guest has it under $FF_FILES
};

// The guest keeps the files in RAM (the initramfs): their sum is bounded.
inline constexpr uint64_t kShippedFilesMaxBytes = uint64_t{256} << 20;

// `j` is the scenario's "files" value; paths resolve against `scenario_dir`.
// Errors read "$.files[I]: reason" (the caller adds the file name).
absl::StatusOr<std::vector<ShippedFile>> CheckShippedFiles(const nlohmann::json& j,
                                                           const std::string& scenario_dir);

}  // namespace flashfault::campaign
