// ControlTarget: what the control filesystem may ask of a running server.
//
// server_nodes.cc turns these calls into files; the server implements them
// (serve_target.h). The interface speaks in plain values and JSON so the
// control filesystem never depends on the fault layer's or the session's
// internals. Every method is called on the control filesystem's thread,
// concurrently with the server's own request handling: an implementation
// must take whatever lock guards the state it reads or changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flashfault::control {

class ControlTarget {
 public:
  virtual ~ControlTarget() = default;

  // The geometry being served, as GeometryToJson() writes it.
  virtual absl::StatusOr<nlohmann::ordered_json> Geometry() = 0;
  // Counters as one JSON object (device, session, faults...): a consistent
  // snapshot, taken between two requests.
  virtual absl::StatusOr<nlohmann::ordered_json> Stats() = 0;
  // Erase count of every eraseblock, indexed by block.
  virtual absl::StatusOr<std::vector<uint64_t>> EraseCounts() = 0;
  // Bad eraseblocks, ascending.
  virtual absl::StatusOr<std::vector<uint32_t>> BadBlocks() = 0;
  // The device mapped by meaning as it is programmed now (which PEB holds
  // which UBI volume and LEB, the UBIFS areas, node counts; JFFS2's): as
  // text, one fact per line, and as JSON, from one look at the device.
  struct DeviceMap {
    std::string text;
    nlohmann::ordered_json json;
  };
  virtual absl::StatusOr<DeviceMap> MapByMeaning() = 0;

  // The active fault script (JSON text).
  virtual absl::StatusOr<std::string> Script() = 0;
  // Validates `json` as a fault script and, only if it is valid, makes it
  // the active one in a single step between two requests. InvalidArgument
  // with the validation message otherwise; the old script stays.
  virtual absl::Status ReplaceScript(absl::string_view json) = 0;
  // The last `max_lines` lines of the event log (JSON Lines), oldest first.
  virtual absl::StatusOr<std::vector<std::string>> EventTail(size_t max_lines) = 0;

  // Cuts power now: every operation fails until PowerOn().
  virtual absl::Status PowerCut() = 0;
  virtual absl::Status PowerOn() = 0;
  // Writes the device's whole content to `path` (an absolute path) through
  // a temporary file and a rename: the file is whole or absent.
  virtual absl::Status Snapshot(const std::string& path) = 0;
};

}  // namespace flashfault::control
