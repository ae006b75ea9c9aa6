// Replayable event logs: what a run must record so that `flashfault replay`
// can rebuild the device state after any op, and the replay itself.
//
// Recording: a JsonlEventSink with SetReplay(ReplayStartJson(...), payload)
// before the layer is created and SetStateHasher(StateHash(layer), K) after
// (AttachReplayLog does both). Replay: a fresh RAM device of the logged
// geometry, the logged plan and seed, and every logged op and control step
// re-issued with its payload, in order, up to op N; each logged hash line on
// the way is checked against StateHash, and each op's status against the
// logged one. The log is read line by line (never whole), the payload file
// by seeks, so millions of ops stay practical.
// It must not write anything but the optional image.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "backends/model/geometry.h"
#include "backends/model/nand_model.h"
#include "fault-models/event_sink.h"
#include "fault-models/fault_layer.h"
#include "fault-models/fault_spec.h"

namespace flashfault {

// The start line's "replay" object: {"geometry":{...},"plan":{...},
// "payload":NAME,"hash_every":K,"rules":"strict|lenient"}.
std::string ReplayStartJson(const Geometry& g, const FaultPlan& plan, const std::string& payload,
                            uint64_t hash_every, RuleMode rules = RuleMode::kStrict);

// Creates the layer over `model` with `sink` recording a replayable log:
// payload bytes go to `payload` (named `payload_name` in the log, relative to
// the log's directory), a hash line every `hash_every` ops. REQUIRES: sink
// and payload outlive the layer. Call sink.WriteStateHash(layer.op_count()-1)
// at the end of the run for a final hash. `front`, when given, is the sink
// the layer reports to instead of `sink`: one that forwards every record to
// `sink` unchanged (an OpTimelineSink), so the log stays replayable.
// `decode`: FaultLayerOptions::decode.
absl::StatusOr<std::unique_ptr<FaultLayer>> CreateRecordedLayer(
    std::unique_ptr<NandModel> model, const FaultPlan& plan, JsonlEventSink& sink,
    std::FILE* payload, const std::string& payload_name, uint64_t hash_every,
    RuleMode rules = RuleMode::kStrict, EventSink* front = nullptr, bool decode = false);

struct ReplayResult {
  std::unique_ptr<FaultLayer> layer;    // the rebuilt device
  int64_t last_op = -1;                 // last op re-executed (-1: none)
  uint64_t hash = 0;                    // StateHash after last_op
  std::optional<int64_t> verified_at;   // op of the last logged hash that matched
  bool log_ended = false;               // the log had no op after last_op
};

// Rebuilds the state after op `until`. Errors:
//   NotFound            log or payload file missing;
//   InvalidArgument     not a replayable log (message: "LOG:LINE: reason");
//   DataLoss            the replay diverged: a logged hash or op status differs
//                       (message names the op and both values).
absl::StatusOr<ReplayResult> ReplayLog(const std::string& log_path, uint64_t until);

}  // namespace flashfault
