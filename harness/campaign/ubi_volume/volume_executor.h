// Runs a UBI volume workload (volume_workload.h) on a volume's character
// device with ioctls and writes, in the caller's thread (KCOV follows the
// task), and says what each op returned: the oracle's input.
//
// Before the first op and after each, UBI's pending background work runs in
// the caller's task, so the flash sees the same op sequence on every run (a
// reproducer's fault lands where it landed while fuzzing).
// Must not: judge (volume_oracle.h), attach or detach UBI, or stop at an op
// that fails: under faults ops fail, and every later op still runs.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/campaign/ubi_volume/volume_workload.h"

namespace flashfault::ubi_volume {

// The volume the fuzzer's base format makes: ubi0, volume 0.
inline constexpr char kVolumeDevice[] = "/dev/ubi0_0";
inline constexpr char kVolumeSysfs[] = "/sys/class/ubi/ubi0_0";

// What the ops returned, in order: 0, or the errno of the call that failed.
struct VolumeRun {
  std::vector<int> results;
  size_t failed() const;
};

// Runs every op of `w` on `device`. An error only when the device cannot be
// opened at all (then no op ran).
absl::StatusOr<VolumeRun> ExecuteVolumeWorkload(const VolumeWorkload& w, const std::string& device);

// The volume's usable LEB size from sysfs (`volume_sysfs`/usable_eb_size).
absl::StatusOr<uint64_t> UsableLebSize(const std::string& volume_sysfs);

}  // namespace flashfault::ubi_volume
