// Kernel command-line arguments a scenario (or a campaign) may add to the
// guest's boot: the documented allow-list (corpora/scenarios/README.md,
// "Kernel arguments"). The rig's own arguments (console=, rdinit=, panic=,
// loglevel, printk.devkmsg=on, ... in harness/vm/common.sh) carry the
// console protocol and the kernel log stream; anything that could change
// them, stop the boot, or stop the kernel on the first warning is refused.
// Must not: accept an argument by default -- an entry not in the list is an
// error, so a new need is a reviewed line here, not a silent pass.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace flashfault::campaign {

struct AllowedKernelArg {
  std::string name;     // "log_buf_len", or a module prefix like "ubi." (any of its parameters)
  std::string values;   // what the value may be, in words (for errors and the docs)
  std::string purpose;  // why a scenario would set it
};

// The allow-list, in the order the README documents it.
const std::vector<AllowedKernelArg>& AllowedKernelArgs();

// OK when `arg` ("name" or "name=value") is allowed; else InvalidArgument with
// a reason that names the argument (the caller adds the file and JSON path).
absl::Status ValidateKernelArg(std::string_view arg);

}  // namespace flashfault::campaign
