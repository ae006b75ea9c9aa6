// ServeControlTarget: reads the served model and session under the request
// mutex. Must not change device state except through an explicit command
// (snapshot only reads the store; it does not count as device I/O).
#include "harness/control/serve_target.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "backends/image/flash_image.h"
#include "backends/model/geometry_json.h"

namespace flashfault::control {

nlohmann::ordered_json SessionStatsJson(const muse::SessionStats& s) {
  return {{"requests", s.requests},
          {"errors", s.errors},
          {"soft_errors", s.soft_errors},
          {"malformed", s.malformed},
          {"oob_continuations", s.oob_continuations},
          {"write_failures", s.write_failures}};
}

nlohmann::ordered_json DeviceCountersJson(const DeviceCounters& c) {
  return {{"read_ops", c.read_ops},           {"write_ops", c.write_ops},
          {"erase_ops", c.erase_ops},         {"read_bytes", c.read_bytes},
          {"write_bytes", c.write_bytes},     {"erase_bytes", c.erase_bytes},
          {"oob_read_bytes", c.oob_read_bytes}, {"oob_write_bytes", c.oob_write_bytes},
          {"isbad_ops", c.isbad_ops},         {"markbad_ops", c.markbad_ops},
          {"sync_ops", c.sync_ops},           {"ecc_corrected", c.ecc_corrected},
          {"ecc_failed", c.ecc_failed},       {"rule_violations", c.rule_violations}};
}

absl::StatusOr<nlohmann::ordered_json> ServeControlTarget::Geometry() {
  return GeometryToJson(model_.geometry());  // immutable: no lock needed
}

absl::StatusOr<nlohmann::ordered_json> ServeControlTarget::Stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t total = 0, max = 0;
  for (uint32_t b = 0; b < model_.geometry().block_count; ++b) {
    const uint64_t e = model_.block_counters(b).erases;
    total += e;
    max = std::max(max, e);
  }
  return nlohmann::ordered_json{
      {"device", DeviceCountersJson(model_.counters())},
      {"session", SessionStatsJson(session_stats_)},
      {"erases", {{"total", total}, {"max", max}}},
      {"bad_blocks", model_.bad_block_table().size()},
      // HOOK(fault layer): add {"faults", ...} (injected faults by kind,
      // power state) here once FaultLayer exists.
  };
}

absl::StatusOr<std::vector<uint64_t>> ServeControlTarget::EraseCounts() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<uint64_t> counts(model_.geometry().block_count);
  for (uint32_t b = 0; b < counts.size(); ++b) counts[b] = model_.block_counters(b).erases;
  return counts;
}

absl::StatusOr<std::vector<uint32_t>> ServeControlTarget::BadBlocks() {
  std::lock_guard<std::mutex> lock(mutex_);
  return model_.bad_block_table();
}

// HOOK(fault layer): return the FaultLayer's active script as JSON text.
absl::StatusOr<std::string> ServeControlTarget::Script() {
  return absl::UnimplementedError("the fault script needs the fault layer (not wired yet)");
}

// HOOK(fault layer): parse and validate with fault-models/script/ *outside*
// the lock, then swap the FaultLayer's plan under mutex_.
absl::Status ServeControlTarget::ReplaceScript(absl::string_view) {
  return absl::UnimplementedError("replacing the fault script needs the fault layer (not wired yet)");
}

// HOOK(fault layer): the last `max_lines` lines of the FaultLayer's event log.
absl::StatusOr<std::vector<std::string>> ServeControlTarget::EventTail(size_t) {
  return absl::UnimplementedError("the event log needs the fault layer (not wired yet)");
}

// HOOK(fault layer): FaultLayer power cut on demand, under mutex_.
absl::Status ServeControlTarget::PowerCut() {
  return absl::UnimplementedError("power_cut needs the fault layer (not wired yet)");
}

// HOOK(fault layer): FaultLayer::PowerOn(), under mutex_.
absl::Status ServeControlTarget::PowerOn() {
  return absl::UnimplementedError("power_on needs the fault layer (not wired yet)");
}

absl::Status ServeControlTarget::Snapshot(const std::string& path) {
  // Held for the whole export so the image is one consistent state; the
  // kernel's requests wait meanwhile.
  std::lock_guard<std::mutex> lock(mutex_);
  absl::Status s = ExportImage(model_, ImageFormat::kNanddump, path);
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat("snapshot to ", path, ": ", s.message()));
}

}  // namespace flashfault::control
