// Building and writing the device summary; see device_summary.h.
#include "harness/server/device_summary.h"

#include <algorithm>

#include "common/atomic_file.h"

namespace flashfault::server {

using ojson = nlohmann::ordered_json;

std::vector<uint32_t> BadBlocksNow(const NandModel& model) {
  std::vector<uint32_t> bad;
  for (uint32_t b = 0; b < model.geometry().block_count; ++b) {
    if (model.BlockIsBad(b)) bad.push_back(b);
  }
  return bad;
}

ojson DeviceSummaryJson(FaultLayer& layer, const std::vector<uint32_t>& bad_at_start,
                        const OpTimelineSink* timeline) {
  const NandModel& model = layer.model();
  const Geometry& g = model.geometry();
  ojson j = {{"format", kDeviceSummaryFormat}, {"version", 1}};
  j["geometry"] = {{"name", g.name},
                   {"cell", CellTypeName(g.cell)},
                   {"block_count", g.block_count},
                   {"pages_per_block", g.pages_per_block},
                   {"page_size", g.page_size},
                   {"oob_size", g.oob_size},
                   {"block_size", g.block_size()}};
  j["ops"] = layer.op_count();
  ojson erases = ojson::array();
  for (uint32_t b = 0; b < g.block_count; ++b) erases.push_back(model.block_counters(b).erases);
  j["erase_counts"] = std::move(erases);
  std::vector<uint32_t> grown;
  for (uint32_t b : BadBlocksNow(model)) {
    if (!std::binary_search(bad_at_start.begin(), bad_at_start.end(), b)) grown.push_back(b);
  }
  j["bad_blocks"] = {{"at_start", bad_at_start}, {"grown", grown}};
  ojson faults = ojson::array();
  for (const FaultStats& f : layer.stats()) {
    faults.push_back({{"id", f.id}, {"kind", FaultKindName(f.kind)}, {"fires", f.fires},
                      {"injected", f.injected}});
  }
  j["faults"] = std::move(faults);
  if (timeline != nullptr) {
    ojson ops = ojson::object(), fault_bins = ojson::object();
    for (const auto& [name, counts] : timeline->op_counts()) ops[name] = counts;
    for (const auto& [name, counts] : timeline->fault_counts()) fault_bins[name] = counts;
    j["timeline"] = {{"bin_width", timeline->bin_width()}, {"bins", timeline->bins()},
                     {"ops", ops}, {"faults", fault_bins}};
    ojson per_block = ojson::array();
    for (const auto& [block, n] : timeline->faults_per_block()) per_block.push_back({block, n});
    j["faults_per_block"] = std::move(per_block);
  }
  return j;
}

absl::Status WriteDeviceSummary(const std::string& path, FaultLayer& layer,
                                const std::vector<uint32_t>& bad_at_start,
                                const OpTimelineSink* timeline) {
  return WriteFileAtomically(path, DeviceSummaryJson(layer, bad_at_start, timeline).dump() + "\n");
}

}  // namespace flashfault::server
