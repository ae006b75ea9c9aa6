// PlanToJson(): a FaultPlan written back as a fault script, so a plan built
// by the fuzzer byte-stream source becomes a reproducer a person can read and
// edit. Writes only non-default values, in the schema's key order, so two
// equal plans give byte-identical scripts. Must stay the exact inverse of
// ParsePlan() (fault_script_test.cc checks the round trip); it must not
// validate or repair: exporting an invalid plan gives a script that fails
// `flashfault script check` with the reason.
#include <string>
#include <vector>

#include "backends/model/geometry_json.h"
#include "backends/model/presets.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/script/script_internal.h"

namespace flashfault {
namespace {

using nlohmann::ordered_json;
using namespace script_internal;

ordered_json RangeToJson(const Range& r) {
  if (r.first == r.last) return r.first;
  return ordered_json::array({r.first, r.last});
}

ordered_json OpsToJson(uint32_t ops) {
  ordered_json a = ordered_json::array();
  for (uint32_t bit = 1; bit & kOpAll; bit <<= 1) {
    if (ops & bit) a.push_back(OpName(bit));
  }
  return a;
}

const PartitionSpec* FindPartition(const FaultPlan& plan, const std::string& name) {
  for (const PartitionSpec& p : plan.partitions) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// Keys in MeaningAimKeys() order.
ordered_json AimToJson(const MeaningAim& a) {
  ordered_json j = ordered_json::object();
  if (a.ubi) j["ubi"] = UbiAimName(*a.ubi);
  if (a.volume_id) j["volume"] = *a.volume_id;
  if (!a.volume_name.empty()) j["volume"] = a.volume_name;
  if (a.lnum_first) {
    j["lnum"] = a.lnum_last ? ordered_json::array({*a.lnum_first, *a.lnum_last})
                            : ordered_json(*a.lnum_first);
  }
  if (a.copy) j["copy"] = *a.copy;
  if (a.ubifs) j["ubifs"] = UbifsAimName(*a.ubifs);
  if (a.inum) j["inum"] = *a.inum;
  if (a.jffs2) j["jffs2"] = Jffs2AimName(*a.jffs2);
  return j;
}

ordered_json WhereToJson(const Where& w, const FaultPlan& plan) {
  ordered_json j = ordered_json::object();
  // With a partition, blocks are written relative to it (as a user writes
  // them) and left out when they are the whole partition.
  const PartitionSpec* part = w.partition.empty() ? nullptr : FindPartition(plan, w.partition);
  if (w.blocks) {
    if (part == nullptr) {
      j["blocks"] = RangeToJson(*w.blocks);
    } else if (!(w.blocks->first == part->first_block &&
                 w.blocks->last + 1 == part->first_block + part->block_count)) {
      j["blocks"] = RangeToJson(Range{w.blocks->first - part->first_block,
                                      w.blocks->last - part->first_block});
    }
  }
  if (!w.block_list.empty()) {
    std::vector<uint64_t> list = w.block_list;
    if (part != nullptr) {
      for (uint64_t& b : list) b -= part->first_block;
    }
    j["block_list"] = list;
  }
  if (w.pages) j["pages"] = RangeToJson(*w.pages);
  if (w.bytes) j["bytes"] = RangeToJson(*w.bytes);
  if (w.bits) j["bits"] = RangeToJson(*w.bits);
  if (!w.partition.empty()) j["partition"] = w.partition;
  if (w.meaning) j["meaning"] = AimToJson(*w.meaning);
  return j;
}

ordered_json WhenToJson(const When& w) {
  const When d;
  ordered_json j = ordered_json::object();
  if (w.ops != d.ops) j["ops"] = OpsToJson(w.ops);
  if (w.at_op) j["at_op"] = *w.at_op;
  if (w.after_op) j["after_op"] = *w.after_op;
  if (w.nth_match) j["nth_match"] = *w.nth_match;
  if (w.probability != d.probability) j["probability"] = w.probability;
  if (w.after_erases) j["after_erases"] = *w.after_erases;
  if (w.after_time_us) j["after_time_us"] = *w.after_time_us;
  if (w.on_demand) j["on_demand"] = true;
  if (w.max_fires != d.max_fires) j["max_fires"] = w.max_fires;
  if (w.per != d.per) j["per"] = MatchUnitName(w.per);
  return j;
}

ordered_json FaultToJson(const FaultSpec& f, const FaultPlan& plan) {
  ordered_json j = ordered_json::object();
  j["id"] = f.id;
  const int kind = static_cast<int>(f.kind);
  j["kind"] = kind >= 0 && kind < kFaultKindCount ? FaultKindName(f.kind) : "?";
  if (ordered_json w = WhereToJson(f.where, plan); !w.empty()) j["where"] = std::move(w);
  if (ordered_json w = WhenToJson(f.when); !w.empty()) j["when"] = std::move(w);
  const uint32_t params = NonDefaultParams(f);
  if (params & kFlips) j["flips"] = f.flips;
  if (params & kRate) j["rate"] = f.rate;
  if (params & kStuckValue) j["stuck_value"] = f.stuck_value;
  if (params & kProgramEffect) j["program_effect"] = ProgramFailEffectName(f.program_effect);
  if (params & kEraseEffect) j["erase_effect"] = EraseFailEffectName(f.erase_effect);
  if (params & kTornFraction) j["torn_fraction"] = f.torn_fraction;
  if (params & kUnstable) j["unstable"] = f.unstable;
  if (params & kBlockList) j["block_list"] = f.block_list;
  if (params & kCount) j["count"] = f.count;
  if (params & kLatencyUs) j["latency_us"] = f.latency_us;
  if (params & kThreshold) j["threshold"] = f.threshold;
  if (params & kSilentEffect) j["silent_effect"] = SilentEffectName(f.silent_effect);
  if (params & kRealOdds) j["real_odds"] = f.real_odds;
  if (params & kField) j["field"] = f.field;
  if (params & kValue) j["value"] = f.value;
  if (params & kMask) j["mask"] = f.mask;
  if (params & kFixCrc) j["fix_crc"] = f.fix_crc;
  return j;
}

// The preset name when `g` is exactly that preset, else the full object, so
// an exported script never silently means a different part.
ordered_json GeometryRef(const Geometry& g) {
  absl::StatusOr<Geometry> preset = FindPreset(g.name);
  const ordered_json full = GeometryToJson(g);
  if (preset.ok() && GeometryToJson(*preset) == full) return g.name;
  return full;
}

}  // namespace

ordered_json PlanToJson(const FaultPlan& plan, const Geometry* geometry) {
  ordered_json j = ordered_json::object();
  if (geometry != nullptr) j["geometry"] = GeometryRef(*geometry);
  j["seed"] = plan.seed;
  if (!plan.partitions.empty()) {
    ordered_json parts = ordered_json::array();
    for (const PartitionSpec& p : plan.partitions) {
      parts.push_back(ordered_json{
          {"name", p.name}, {"first_block", p.first_block}, {"block_count", p.block_count}});
    }
    j["partitions"] = std::move(parts);
  }
  ordered_json faults = ordered_json::array();
  for (const FaultSpec& f : plan.faults) faults.push_back(FaultToJson(f, plan));
  j["faults"] = std::move(faults);
  return j;
}

}  // namespace flashfault
