// Judging the file system a fuzzing input left behind, once recovered
// (faults off, attached and mounted again): the power-cut exploration's
// oracle on it. The workload's op log (the executor wrote it while the
// faults fired) says which names and contents a returned sync, fsync or
// fdatasync made durable; the recovered tree must show them (crash_rules.h,
// at kCutEnd: every op returned). Then the space check: with everything
// removed the file system must give back the free space of the fresh one
// (space_check.h).
//
// Only sound when every op's return is the truth about the flash: after a
// power cut the log cannot say which ops came after it (the fuzzing agent
// keeps no flash counters), and sync(2) returns nothing, so the agent
// skips this judge when a power cut fired (the exploration's ground).
// Whether the faults that fired were ones the file system must survive is
// not decided here either (survivable_faults.h, by the agent).
// Must not: unmount, detach, or write to the device.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/campaign/ubi_volume/volume_workload.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign::fuzz {

struct RecoveredDataOptions {
  std::string op_log;       // the workload's op log
  std::string fs;           // "ubifs" or "jffs2": the oracle's profile
  std::string mount_point;  // the recovered file system, mounted
  uint64_t baseline_free = 0;  // free bytes of the fresh file system (0: no space check)
};

// "" when the tree keeps every promise, else the failed step for the
// signature: "oracle:RULE" (the first violation's rule id), "oracle:walk"
// (the tree does not read back) or "space". Details go into `r`:
// "violations", "space", "oracle_error"; "oracle_skipped" when the op log
// does not load (the tool's problem, not a finding: the tree is still read).
std::string JudgeRecoveredData(const RecoveredDataOptions& o, nlohmann::ordered_json& r);

// --fs ubi: the attached volume's LEBs against what the volume ops returned
// (ubi_volume/volume_oracle.h; sound after a power cut too: UBI has no
// cache). "" when every LEB holds what it may, else "oracle:ubi-leb" (a LEB
// holds none of its accepted contents), "oracle:ubi-read" (a LEB does not
// read back) or "oracle:ubi-volume" (the volume does not open); the
// violations go into r["violations"].
std::string JudgeRecoveredVolume(const ubi_volume::VolumeWorkload& w, const std::vector<int>& results,
                                 uint64_t leb_size, nlohmann::ordered_json& r);

}  // namespace flashfault::campaign::fuzz
