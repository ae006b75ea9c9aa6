// The device summary: what a served part looked like when the server
// stopped, in a few KB, for reports (`flashfault report` draws the
// per-eraseblock map and the timeline from it). `flashfault serve --summary
// FILE` writes it at exit; `flashfault run` and `flashfault explore` ask for
// it and keep it in their results directories.
//
// Format (JSON, version 1):
//   {"format":"flashfault-device-summary","version":1,
//    "geometry":{"name","cell","block_count","pages_per_block","page_size",
//                "oob_size","block_size"},
//    "ops":N,                         op indexes used (FaultLayer::op_count)
//    "erase_counts":[E0,E1,...],      per eraseblock, lifetime (an image's
//                                     earlier wear included)
//    "bad_blocks":{"at_start":[...],  bad before the first request: the
//                                     image's table and factory_bad faults
//                  "grown":[...]},    bad at exit but not at start: markbad
//                                     by the kernel, grown_bad faults
//    "faults":[{"id","kind","fires","injected"}],   per fault of the plan
//    "timeline":{"bin_width":W,"bins":B,            (op_timeline.h)
//                "ops":{"read":[...],"write":[...],...,"failed":[...]},
//                "faults":{"read_bitflip":[...],"ctl:power_off":[...]}},
//    "faults_per_block":[[BLOCK,N],...]}
// Series shorter than "bins" are zero beyond their end.
//
// Must not: change the device (it only reads counters and tables), or write
// anything but the one file, atomically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "fault-models/fault_layer.h"
#include "fault-models/op_timeline.h"
#include "nlohmann/json.hpp"

namespace flashfault::server {

inline constexpr char kDeviceSummaryFormat[] = "flashfault-device-summary";

// The blocks `model` answers bad for now (without counting an op).
std::vector<uint32_t> BadBlocksNow(const NandModel& model);

// The summary of `layer`'s part; `bad_at_start` from BadBlocksNow before the
// first request; `timeline` may be null (no "timeline" then).
nlohmann::ordered_json DeviceSummaryJson(FaultLayer& layer, const std::vector<uint32_t>& bad_at_start,
                                         const OpTimelineSink* timeline);

// Writes DeviceSummaryJson to `path` atomically.
absl::Status WriteDeviceSummary(const std::string& path, FaultLayer& layer,
                                const std::vector<uint32_t>& bad_at_start,
                                const OpTimelineSink* timeline);

}  // namespace flashfault::server
