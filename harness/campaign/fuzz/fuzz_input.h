// What one kernel-fuzzer input means. libFuzzer mutates bytes; this file
// is the one place that says how they become an execution:
//
//   byte 0      flags: bit 0 set = faults are decided from the first op of
//               the attach (UBI's scan, UBIFS's mount and replay); clear =
//               from the first op of the workload (the usual case: the
//               attach then runs clean and the input's bytes go to the
//               workload's ops)
//   bytes 1-2   the workload's seed (little endian) when the campaign's
//               workload is the seeded mix
//   byte 3      the mix's length: kMinOps + byte % (kMaxOps - kMinOps + 1)
//   bytes 4..   the fault stream (fault-models/stream/byte_stream_source.h):
//               one decision per flash op while faults are being decided
//
// A short input leaves the missing bytes zero: every input is valid.
// Must not: run anything or touch the device.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/campaign/oracle/workload.h"
#include "harness/campaign/ubi_volume/volume_workload.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign::fuzz {

inline constexpr size_t kHeaderBytes = 4;
inline constexpr uint64_t kMinOps = 4;
inline constexpr uint64_t kMaxOps = 32;

struct FuzzInput {
  bool faults_from_attach = false;
  uint16_t mix_seed = 0;
  uint64_t mix_length = kMinOps;
  std::vector<uint8_t> stream;  // the fault stream
};

FuzzInput DecodeInput(std::span<const uint8_t> bytes);

// The workload an input runs: the campaign's fixed workload (`name` not
// "mix"), else the mix of the input's seed and length.
absl::StatusOr<oracle::Workload> InputWorkload(const FuzzInput& in, const std::string& name);

// `--fs ubi`: the UBI volume mix of the input's seed and length, changes of
// at most `leb_size` bytes.
ubi_volume::VolumeWorkload InputVolumeWorkload(const FuzzInput& in, uint64_t leb_size);

// A case: what the minimiser and a reproducer run instead of raw bytes, a
// fault script (the stream's decisions, or fewer) and the workload's ops:
// a file system's (`workload`) or, with --fs ubi, a UBI volume's (`volume`).
struct FuzzCase {
  nlohmann::json script;      // a fault script (PlanToJson form)
  oracle::Workload workload;
  std::optional<ubi_volume::VolumeWorkload> volume;
};

nlohmann::ordered_json CaseToJson(const FuzzCase& c);
// Errors name the JSON path ("$.ops[3].op: ...").
absl::StatusOr<FuzzCase> CaseFromJson(const nlohmann::json& j, const std::string& source);

}  // namespace flashfault::campaign::fuzz
