// Partition tables written the way the kernel's cmdlinepart takes them
// ("mtdparts=" without the prefix), e.g.
//   "flashfault:1m(boot),8m@1m(kernel),-(ubi)"
// so a user can paste the table of the board under test into a fault script.
// Sizes and offsets are bytes with an optional k/m/g suffix (decimal or
// 0x-hex) and must be whole eraseblocks; "-" is "the rest of the device"; a
// missing @offset continues after the previous partition; "ro" and "lk" flags
// are accepted and ignored (they do not change where faults land). Every
// partition needs a name here, unlike cmdlinepart, because faults refer to
// partitions by name. Pure parsing: no I/O, no checks beyond the syntax and
// the block arithmetic (overlaps and bounds are ValidatePlan()'s job).
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/model/geometry.h"
#include "fault-models/fault_spec.h"

namespace flashfault {

// Errors are "at character N: reason" (N 0-based), without a JSON path.
absl::StatusOr<std::vector<PartitionSpec>> ParsePartitionString(absl::string_view text,
                                                                const Geometry& g);

}  // namespace flashfault
