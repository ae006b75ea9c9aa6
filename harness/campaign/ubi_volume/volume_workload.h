// UBI volume workloads: what `flashfault fuzz --fs ubi` does to a UBI volume
// with no file system on it, one logical eraseblock (LEB) at a time, through
// the volume's character device (/dev/ubi0_0).
//
//   {"target": "ubi-volume", "name": "...", "ops": [
//     {"op": "change", "lnum": 3, "length": 4096, "seed": 7},  atomic LEB change
//     {"op": "erase", "lnum": 3},                              unmap, then wait for the erase
//     {"op": "unmap", "lnum": 5},                              unmap (the erase is background)
//     {"op": "map", "lnum": 5}]}                               map to an empty PEB
//
// "target" tells a case's reader which language a workload speaks (a file
// system's workloads, oracle/workload.h, have none). Data is (seed, length)
// as in every workload (oracle/content.h): byte i is DataByte(seed, i).
//
// This file only parses, validates, prints and generates. It runs nothing
// (volume_executor.h) and judges nothing (volume_oracle.h).
// Errors are InvalidArgument "SOURCE: $.json.path: reason".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flashfault::ubi_volume {

inline constexpr char kTarget[] = "ubi-volume";
// The LEBs a workload may name: few, so that ops meet on the same LEBs
// (a change after an unmap, an erase of a LEB wear-levelling is moving).
// The executor uses LEB kMaxLnum + 1, never mapped, to flush UBI's work.
inline constexpr uint32_t kMaxLnum = 15;

enum class VolumeOpKind {
  kChange,  // UBI_IOCEBCH + write: the LEB holds the new data or the old, never a mix
  kErase,   // UBI_IOCEBER: unmap and flush UBI's work, so the erase is on flash
  kUnmap,   // UBI_IOCEBUNMAP: unmapped in RAM; the old data may come back after a reattach
  kMap,     // UBI_IOCEBMAP: mapped to an empty PEB (a VID header on flash)
};

absl::string_view VolumeOpKindName(VolumeOpKind kind);
std::optional<VolumeOpKind> VolumeOpKindFromName(absl::string_view name);

struct VolumeOp {
  VolumeOpKind kind = VolumeOpKind::kChange;
  uint32_t lnum = 0;
  uint64_t length = 0, seed = 0;  // change only
};

struct VolumeWorkload {
  std::string name;
  std::vector<VolumeOp> ops;
};

// True when `j` is a workload object that says it is a UBI volume's.
bool IsVolumeWorkloadJson(const nlohmann::json& j);

absl::StatusOr<VolumeWorkload> ParseVolumeWorkload(const nlohmann::json& j, absl::string_view source);
absl::StatusOr<VolumeOp> ParseVolumeOp(const nlohmann::json& j, absl::string_view source,
                                       absl::string_view where);
nlohmann::ordered_json VolumeOpToJson(const VolumeOp& op);
nlohmann::ordered_json VolumeWorkloadToJson(const VolumeWorkload& w);
// "change LEB 3: 4096 bytes of seed 7".
std::string DescribeVolumeOp(const VolumeOp& op);

// The seeded mix: `length` ops (1..1000) over LEBs 0..kMaxLnum, mostly
// changes, with erases, unmaps and maps among them; lengths up to
// `max_length` (the volume's usable LEB size). Same arguments, same ops.
VolumeWorkload GenerateVolumeMix(uint64_t seed, uint64_t length, uint64_t max_length);

}  // namespace flashfault::ubi_volume
