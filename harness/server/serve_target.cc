// ServeControlTarget: reads the served device and session under the request
// mutex. Must not change device state except through an explicit command
// (script, power, snapshot; a snapshot only reads the store and does not
// count as device I/O).
#include "harness/server/serve_target.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "backends/image/flash_image.h"
#include "backends/model/geometry_json.h"
#include "common/status_macros.h"
#include "common/tail_lines.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/stored_map.h"

namespace flashfault::server {

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
  nlohmann::ordered_json stats{
      {"device", DeviceCountersJson(model_.counters())},
      {"session", SessionStatsJson(session_stats_)},
      {"erases", {{"total", total}, {"max", max}}},
      {"bad_blocks", model_.bad_block_table().size()},
      {"faults", FaultsJson()},
  };
  // Reads the module answered itself are not in "device": they never
  // reached the model (see direct_reads.h).
  if (device_.direct) stats["direct_reads"] = DirectReadsJson(device_.direct->counters());
  return stats;
}

absl::StatusOr<std::vector<uint64_t>> ServeControlTarget::EraseCounts() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<uint64_t> counts(model_.geometry().block_count);
  for (uint32_t b = 0; b < counts.size(); ++b) counts[b] = model_.block_counters(b).erases;
  return counts;
}

absl::StatusOr<control::ControlTarget::DeviceMap> ServeControlTarget::MapByMeaning() {
  // One pass over the stored cells (fault-models/stored_map.h), between two
  // requests: the kernel's next request waits for it.
  std::lock_guard<std::mutex> lock(mutex_);
  absl::StatusOr<decoders::ImageMap> map = MapStoredCells(model_);
  if (!map.ok()) return map.status();
  return DeviceMap{decoders::ImageMapToText(*map), decoders::ImageMapToJson(*map)};
}

absl::StatusOr<std::vector<uint32_t>> ServeControlTarget::BadBlocks() {
  std::lock_guard<std::mutex> lock(mutex_);
  return model_.bad_block_table();
}

absl::StatusOr<std::string> ServeControlTarget::Script() {
  std::lock_guard<std::mutex> lock(mutex_);
  return device_.script_json;
}

absl::Status ServeControlTarget::ReplaceScript(absl::string_view json) {
  // Parse and validate first, without the lock: the kernel keeps being served.
  const flashfault::Geometry& g = model_.geometry();
  absl::StatusOr<FaultScript> script = ParseScriptText(json, "control/script", &g);
  if (!script.ok()) return absl::InvalidArgumentError(script.status().message());
  std::string text = PlanToJson(script->plan, &g).dump(2) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  absl::Status s = device_.layer->ReplacePlan(script->plan);
  if (!s.ok()) return absl::InvalidArgumentError(s.message());
  device_.script_json = std::move(text);
  RefreshDirectReads();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ServeControlTarget::EventTail(size_t max_lines) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!device_.sink) {
    return absl::FailedPreconditionError("no event log: start serve with --events FILE");
  }
  FF_RETURN_IF_ERROR(device_.sink->Flush());
  std::fflush(device_.events_file);
  return TailLines(device_.events_path, max_lines);
}

absl::Status ServeControlTarget::PowerCut() {
  std::lock_guard<std::mutex> lock(mutex_);
  device_.layer->CutPower("control/commands/power_cut");
  RefreshDirectReads();
  return absl::OkStatus();
}

absl::Status ServeControlTarget::PowerOn() {
  std::lock_guard<std::mutex> lock(mutex_);
  device_.layer->PowerOn();
  RefreshDirectReads();
  return absl::OkStatus();
}

void ServeControlTarget::RefreshDirectReads() {
  if (device_.direct) device_.direct->RefreshAll();
}

nlohmann::ordered_json DirectReadsJson(const DirectReads::Counters& c) {
  return {{"shared", c.shared},         {"bypass", c.bypass},
          {"clean_blocks", c.clean_blocks}, {"reads", c.reads},
          {"read_bytes", c.read_bytes}, {"isbad", c.isbad}};
}

nlohmann::ordered_json ServeControlTarget::FaultsJson() const {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const FaultStats& f : device_.layer->stats()) {
    list.push_back({{"id", f.id},
                    {"kind", FaultKindName(f.kind)},
                    {"matches", f.matches},
                    {"fires", f.fires},
                    {"injected", f.injected}});
  }
  return {{"powered", device_.layer->powered()},
          {"ops", device_.layer->op_count()},
          {"seed", device_.layer->seed()},
          {"faults", list}};
}

absl::Status ServeControlTarget::Snapshot(const std::string& path) {
  // Held for the whole export so the image is one consistent state; the
  // kernel's requests wait meanwhile.
  std::lock_guard<std::mutex> lock(mutex_);
  absl::Status s = ExportImage(model_, ImageFormat::kNanddump, path);
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat("snapshot to ", path, ": ", s.message()));
}

}  // namespace flashfault::server
