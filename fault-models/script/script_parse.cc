// Fault script JSON -> FaultPlan: the syntactic half (keys, types, which
// keys a kind takes, partition resolution). The semantic half against the
// geometry is ValidatePlan() in script_validate.cc, which ParsePlan() always
// runs last. Every error names the JSON path. Must not accept anything the
// schema does not document, and must not guess: a key it does not know is an
// error, never ignored.
#include <algorithm>
#include <array>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/model/geometry_json.h"
#include "backends/model/presets.h"
#include "common/json_load.h"
#include "common/status_macros.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/script/partition_string.h"
#include "fault-models/script/script_internal.h"

namespace flashfault {
namespace {

using nlohmann::json;
using script_internal::FaultPath;
using script_internal::PathError;

constexpr std::array<absl::string_view, 6> kTopKeys = {"$schema",    "description", "geometry",
                                                       "seed",       "partitions",  "faults"};
constexpr std::array<absl::string_view, 21> kFaultKeys = {
    "id",          "kind",           "where",          "when",          "flips",
    "rate",        "stuck_value",    "program_effect", "erase_effect",  "torn_fraction",
    "unstable",    "block_list",     "count",          "latency_us",    "threshold",
    "silent_effect", "real_odds",    "field",          "value",         "mask",
    "fix_crc"};
constexpr std::array<absl::string_view, 7> kWhereKeys = {
    "blocks", "pages", "bytes", "bits", "partition", "meaning", "block_list"};
constexpr std::array<absl::string_view, 10> kWhenKeys = {
    "ops",          "at_op",         "after_op",  "nth_match", "probability",
    "after_erases", "after_time_us", "on_demand", "max_fires", "per"};
constexpr std::array<absl::string_view, 3> kPartitionKeys = {"name", "first_block",
                                                             "block_count"};

// A short rendering of a JSON value for messages: scalars as written,
// containers by type only (a huge or deeply nested value stays short).
std::string Describe(const json& v) {
  if (v.is_structured()) return absl::StrCat("an ", v.type_name());
  // Bounded: a 50 MB string value must not become a 50 MB message.
  return QuoteExcerpt(v.dump(), 80);
}

absl::Status CheckKeys(const json& obj, const std::string& path,
                       std::span<const absl::string_view> known) {
  if (!obj.is_object()) {
    return PathError(path, absl::StrCat("expected an object, got ", Describe(obj)));
  }
  for (const auto& item : obj.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      return PathError(absl::StrCat(path, JsonPathMember(item.key())),
                       absl::StrCat("unknown key (expected one of: ", absl::StrJoin(known, ", "),
                                    ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ReadU64(const json& v, const std::string& path) {
  if (!v.is_number_unsigned()) {
    return PathError(path, absl::StrCat("expected an unsigned integer, got ", Describe(v)));
  }
  return v.get<uint64_t>();
}

absl::StatusOr<uint32_t> ReadU32(const json& v, const std::string& path) {
  FF_ASSIGN_OR_RETURN(uint64_t x, ReadU64(v, path));
  if (x > UINT32_MAX) return PathError(path, absl::StrCat(x, " does not fit 32 bits"));
  return static_cast<uint32_t>(x);
}

absl::StatusOr<double> ReadNumber(const json& v, const std::string& path) {
  if (!v.is_number()) return PathError(path, absl::StrCat("expected a number, got ", Describe(v)));
  return v.get<double>();
}

absl::StatusOr<bool> ReadBool(const json& v, const std::string& path) {
  if (!v.is_boolean()) {
    return PathError(path, absl::StrCat("expected true or false, got ", Describe(v)));
  }
  return v.get<bool>();
}

absl::StatusOr<std::string> ReadString(const json& v, const std::string& path) {
  if (!v.is_string()) return PathError(path, absl::StrCat("expected a string, got ", Describe(v)));
  return v.get<std::string>();
}

// A range is one number (a single index) or [first, last], both inclusive.
absl::StatusOr<Range> ReadRange(const json& v, const std::string& path) {
  if (v.is_number()) {
    FF_ASSIGN_OR_RETURN(uint64_t x, ReadU64(v, path));
    return Range{x, x};
  }
  if (!v.is_array() || v.size() != 2) {
    return PathError(path, absl::StrCat("expected an index or [first, last], got ", Describe(v)));
  }
  Range r;
  FF_ASSIGN_OR_RETURN(r.first, ReadU64(v[0], path + "[0]"));
  FF_ASSIGN_OR_RETURN(r.last, ReadU64(v[1], path + "[1]"));
  if (r.first > r.last) {
    return PathError(path, absl::StrCat("first ", r.first, " is after last ", r.last));
  }
  return r;
}

absl::StatusOr<uint32_t> ReadOps(const json& v, const std::string& path) {
  if (!v.is_array() || v.empty()) {
    return PathError(path, absl::StrCat("expected a non-empty array of operation names, got ",
                                        Describe(v)));
  }
  uint32_t mask = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string p = absl::StrCat(path, "[", i, "]");
    FF_ASSIGN_OR_RETURN(std::string name, ReadString(v[i], p));
    std::optional<uint32_t> op = OpFromName(name);
    if (!op) {
      return PathError(p, absl::StrCat("unknown operation \"", name,
                                       "\" (expected read, write, erase, isbad, markbad, sync)"));
    }
    if (mask & *op) return PathError(p, absl::StrCat("operation \"", name, "\" given twice"));
    mask |= *op;
  }
  return mask;
}

// One word of a vocabulary (meaning_aim.h): an error lists the words.
template <typename E>
absl::StatusOr<E> ReadWord(const json& v, const std::string& path,
                           std::span<const absl::string_view> words,
                           std::optional<E> (*lookup)(absl::string_view)) {
  FF_ASSIGN_OR_RETURN(std::string w, ReadString(v, path));
  if (std::optional<E> e = lookup(w)) return *e;
  return PathError(path, absl::StrCat("unknown word \"", QuoteExcerpt(w), "\" (expected one of: ",
                                      absl::StrJoin(words, ", "), ")"));
}

// where.meaning: what the flash must hold where the fault strikes.
absl::StatusOr<MeaningAim> ReadAim(const json& v, const std::string& path) {
  FF_RETURN_IF_ERROR(CheckKeys(v, path, MeaningAimKeys()));
  MeaningAim a;
  if (v.contains("ubi")) {
    FF_ASSIGN_OR_RETURN(a.ubi, ReadWord<UbiAim>(v["ubi"], path + ".ubi", UbiAimWords(),
                                                &UbiAimFromName));
  }
  if (v.contains("volume")) {
    const json& vol = v["volume"];
    if (vol.is_string()) {
      a.volume_name = vol.get<std::string>();
      if (a.volume_name.empty()) return PathError(path + ".volume", "must not be empty");
    } else if (vol.is_number_unsigned()) {
      FF_ASSIGN_OR_RETURN(a.volume_id, ReadU32(vol, path + ".volume"));
    } else {
      return PathError(path + ".volume", absl::StrCat("expected a volume name or id, got ",
                                                      Describe(vol)));
    }
  }
  if (v.contains("lnum")) {
    FF_ASSIGN_OR_RETURN(Range r, ReadRange(v["lnum"], path + ".lnum"));
    if (r.last > UINT32_MAX) return PathError(path + ".lnum", "does not fit 32 bits");
    a.lnum_first = static_cast<uint32_t>(r.first);
    if (r.last != r.first) a.lnum_last = static_cast<uint32_t>(r.last);
  }
  if (v.contains("copy")) { FF_ASSIGN_OR_RETURN(a.copy, ReadBool(v["copy"], path + ".copy")); }
  if (v.contains("ubifs")) {
    FF_ASSIGN_OR_RETURN(a.ubifs, ReadWord<UbifsAim>(v["ubifs"], path + ".ubifs",
                                                    UbifsAimWords(), &UbifsAimFromName));
  }
  if (v.contains("inum")) { FF_ASSIGN_OR_RETURN(a.inum, ReadU32(v["inum"], path + ".inum")); }
  if (v.contains("jffs2")) {
    FF_ASSIGN_OR_RETURN(a.jffs2, ReadWord<Jffs2Aim>(v["jffs2"], path + ".jffs2",
                                                    Jffs2AimWords(), &Jffs2AimFromName));
  }
  return a;
}

// A non-empty array of block indexes, as written (ValidatePlan checks them).
absl::StatusOr<std::vector<uint64_t>> ReadBlockList(const json& x, const std::string& path) {
  if (!x.is_array() || x.empty()) {
    return PathError(path, absl::StrCat("expected a non-empty array of block indexes, got ",
                                        Describe(x)));
  }
  std::vector<uint64_t> list;
  for (size_t i = 0; i < x.size(); ++i) {
    FF_ASSIGN_OR_RETURN(uint64_t b, ReadU64(x[i], absl::StrCat(path, "[", i, "]")));
    list.push_back(b);
  }
  return list;
}

absl::Status ReadWhere(const json& v, const std::string& path, Where* w) {
  FF_RETURN_IF_ERROR(CheckKeys(v, path, kWhereKeys));
  std::optional<Range>* ranges[] = {&w->blocks, &w->pages, &w->bytes, &w->bits};
  for (size_t i = 0; i < 4; ++i) {
    const std::string key(kWhereKeys[i]);
    if (v.contains(key)) {
      FF_ASSIGN_OR_RETURN(*ranges[i], ReadRange(v[key], absl::StrCat(path, ".", key)));
    }
  }
  if (v.contains("partition")) {
    FF_ASSIGN_OR_RETURN(w->partition, ReadString(v["partition"], path + ".partition"));
    if (w->partition.empty()) return PathError(path + ".partition", "must not be empty");
  }
  if (v.contains("meaning")) {
    FF_ASSIGN_OR_RETURN(w->meaning, ReadAim(v["meaning"], path + ".meaning"));
  }
  if (v.contains("block_list")) {
    FF_ASSIGN_OR_RETURN(w->block_list, ReadBlockList(v["block_list"], path + ".block_list"));
    // Sorted once here, so the fault layer can search it; a repeat is a typo worth naming.
    std::vector<uint64_t>& list = w->block_list;
    std::sort(list.begin(), list.end());
    if (auto dup = std::adjacent_find(list.begin(), list.end()); dup != list.end()) {
      return PathError(path + ".block_list", absl::StrCat("block ", *dup, " is listed twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadWhen(const json& v, const std::string& path, When* w) {
  FF_RETURN_IF_ERROR(CheckKeys(v, path, kWhenKeys));
  if (v.contains("ops")) { FF_ASSIGN_OR_RETURN(w->ops, ReadOps(v["ops"], path + ".ops")); }
  if (v.contains("at_op")) { FF_ASSIGN_OR_RETURN(w->at_op, ReadU64(v["at_op"], path + ".at_op")); }
  if (v.contains("after_op")) {
    FF_ASSIGN_OR_RETURN(w->after_op, ReadU64(v["after_op"], path + ".after_op"));
  }
  if (v.contains("nth_match")) {
    FF_ASSIGN_OR_RETURN(w->nth_match, ReadU64(v["nth_match"], path + ".nth_match"));
  }
  if (v.contains("probability")) {
    FF_ASSIGN_OR_RETURN(w->probability, ReadNumber(v["probability"], path + ".probability"));
  }
  if (v.contains("after_erases")) {
    FF_ASSIGN_OR_RETURN(w->after_erases, ReadU64(v["after_erases"], path + ".after_erases"));
  }
  if (v.contains("after_time_us")) {
    FF_ASSIGN_OR_RETURN(w->after_time_us, ReadU64(v["after_time_us"], path + ".after_time_us"));
  }
  if (v.contains("on_demand")) {
    FF_ASSIGN_OR_RETURN(w->on_demand, ReadBool(v["on_demand"], path + ".on_demand"));
  }
  if (v.contains("max_fires")) {
    FF_ASSIGN_OR_RETURN(w->max_fires, ReadU64(v["max_fires"], path + ".max_fires"));
  }
  if (v.contains("per")) {
    FF_ASSIGN_OR_RETURN(std::string per, ReadString(v["per"], path + ".per"));
    if (per == MatchUnitName(MatchUnit::kPage)) {
      w->per = MatchUnit::kPage;
    } else if (per != MatchUnitName(MatchUnit::kOp)) {
      return PathError(path + ".per", absl::StrCat("expected \"op\" or \"page\", got \"", per, "\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ProgramFailEffect> ReadProgramEffect(const json& v, const std::string& path) {
  FF_ASSIGN_OR_RETURN(std::string s, ReadString(v, path));
  for (ProgramFailEffect e :
       {ProgramFailEffect::kUnchanged, ProgramFailEffect::kPartial, ProgramFailEffect::kFull}) {
    if (s == ProgramFailEffectName(e)) return e;
  }
  return PathError(path, absl::StrCat("expected \"unchanged\", \"partial\" or \"full\", got \"",
                                      s, "\""));
}

absl::StatusOr<EraseFailEffect> ReadEraseEffect(const json& v, const std::string& path) {
  FF_ASSIGN_OR_RETURN(std::string s, ReadString(v, path));
  for (EraseFailEffect e : {EraseFailEffect::kUnchanged, EraseFailEffect::kPartial}) {
    if (s == EraseFailEffectName(e)) return e;
  }
  return PathError(path, absl::StrCat("expected \"unchanged\" or \"partial\", got \"", s, "\""));
}

absl::Status ReadParams(const json& v, const std::string& path, FaultSpec* f) {
  using namespace script_internal;
  const uint32_t allowed = KindParams(f->kind);
  for (int b = 0; b < kParamCount; ++b) {
    const Param p = static_cast<Param>(1u << b);
    const std::string key(ParamKey(p));
    if (!v.contains(key)) continue;
    const std::string kp = absl::StrCat(path, ".", key);
    if (!(allowed & p)) {
      return PathError(kp, absl::StrCat("a ", FaultKindName(f->kind),
                                        " fault does not use this parameter"));
    }
    const json& x = v[key];
    switch (p) {
      case kFlips: { FF_ASSIGN_OR_RETURN(f->flips, ReadU32(x, kp)); break; }
      case kRate: { FF_ASSIGN_OR_RETURN(f->rate, ReadNumber(x, kp)); break; }
      case kStuckValue: {
        FF_ASSIGN_OR_RETURN(uint64_t s, ReadU64(x, kp));
        if (s > 1) return PathError(kp, absl::StrCat("must be 0 or 1, got ", s));
        f->stuck_value = static_cast<uint8_t>(s);
        break;
      }
      case kProgramEffect: { FF_ASSIGN_OR_RETURN(f->program_effect, ReadProgramEffect(x, kp)); break; }
      case kEraseEffect: { FF_ASSIGN_OR_RETURN(f->erase_effect, ReadEraseEffect(x, kp)); break; }
      case kTornFraction: { FF_ASSIGN_OR_RETURN(f->torn_fraction, ReadNumber(x, kp)); break; }
      case kUnstable: { FF_ASSIGN_OR_RETURN(f->unstable, ReadBool(x, kp)); break; }
      case kBlockList: { FF_ASSIGN_OR_RETURN(f->block_list, ReadBlockList(x, kp)); break; }
      case kCount: { FF_ASSIGN_OR_RETURN(f->count, ReadU32(x, kp)); break; }
      case kLatencyUs: { FF_ASSIGN_OR_RETURN(f->latency_us, ReadU64(x, kp)); break; }
      case kThreshold: { FF_ASSIGN_OR_RETURN(f->threshold, ReadU64(x, kp)); break; }
      case kSilentEffect: {
        FF_ASSIGN_OR_RETURN(std::string e, ReadString(x, kp));
        if (e == SilentEffectName(SilentEffect::kMiscorrect)) {
          f->silent_effect = SilentEffect::kMiscorrect;
        } else if (e == SilentEffectName(SilentEffect::kMiss)) {
          f->silent_effect = SilentEffect::kMiss;
        } else {
          return PathError(kp, absl::StrCat("expected \"miscorrect\" or \"miss\", got \"",
                                            QuoteExcerpt(e), "\""));
        }
        break;
      }
      case kRealOdds: { FF_ASSIGN_OR_RETURN(f->real_odds, ReadBool(x, kp)); break; }
      case kField: { FF_ASSIGN_OR_RETURN(f->field, ReadString(x, kp)); break; }
      case kValue: { FF_ASSIGN_OR_RETURN(f->value, ReadU64(x, kp)); break; }
      case kMask: { FF_ASSIGN_OR_RETURN(f->mask, ReadU64(x, kp)); break; }
      case kFixCrc: { FF_ASSIGN_OR_RETURN(f->fix_crc, ReadBool(x, kp)); break; }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<FaultSpec> ReadFault(const json& v, size_t index) {
  using namespace script_internal;
  const std::string path = FaultPath(index);
  FF_RETURN_IF_ERROR(CheckKeys(v, path, kFaultKeys));
  for (const char* required : {"id", "kind"}) {
    if (!v.contains(required)) return PathError(absl::StrCat(path, ".", required), "missing");
  }
  FaultSpec f;
  FF_ASSIGN_OR_RETURN(f.id, ReadString(v["id"], path + ".id"));
  FF_ASSIGN_OR_RETURN(std::string kind, ReadString(v["kind"], path + ".kind"));
  std::optional<FaultKind> k = FaultKindFromName(kind);
  if (!k) {
    std::vector<std::string> names;
    for (int i = 0; i < kFaultKindCount; ++i) {
      names.push_back(FaultKindName(static_cast<FaultKind>(i)));
    }
    return PathError(path + ".kind", absl::StrCat("unknown fault kind \"", QuoteExcerpt(kind),
                                                  "\" (expected one of: ",
                                                  absl::StrJoin(names, ", "), ")"));
  }
  f.kind = *k;
  if (v.contains("where")) FF_RETURN_IF_ERROR(ReadWhere(v["where"], path + ".where", &f.where));
  if (v.contains("when")) {
    if (!KindHasTrigger(f.kind)) {
      return PathError(path + ".when",
                       "factory bad blocks exist before the first operation; a trigger does not "
                       "apply");
    }
    FF_RETURN_IF_ERROR(ReadWhen(v["when"], path + ".when", &f.when));
  }
  FF_RETURN_IF_ERROR(ReadParams(v, path, &f));
  return f;
}

absl::StatusOr<std::vector<PartitionSpec>> ReadPartitions(const json& v, const Geometry& g) {
  if (v.is_string()) {
    absl::StatusOr<std::vector<PartitionSpec>> parts =
        ParsePartitionString(v.get<std::string>(), g);
    if (!parts.ok()) return PathError("$.partitions", parts.status().message());
    return parts;
  }
  if (!v.is_array()) {
    return PathError("$.partitions",
                     absl::StrCat("expected an array of partitions or an mtdparts string, got ",
                                  Describe(v)));
  }
  std::vector<PartitionSpec> parts;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string path = absl::StrCat("$.partitions[", i, "]");
    FF_RETURN_IF_ERROR(CheckKeys(v[i], path, kPartitionKeys));
    for (const char* required : {"name", "first_block", "block_count"}) {
      if (!v[i].contains(required)) return PathError(absl::StrCat(path, ".", required), "missing");
    }
    PartitionSpec p;
    FF_ASSIGN_OR_RETURN(p.name, ReadString(v[i]["name"], path + ".name"));
    FF_ASSIGN_OR_RETURN(p.first_block, ReadU64(v[i]["first_block"], path + ".first_block"));
    FF_ASSIGN_OR_RETURN(p.block_count, ReadU64(v[i]["block_count"], path + ".block_count"));
    parts.push_back(std::move(p));
  }
  return parts;
}

// Turns where.partition (+ blocks relative to the partition) into absolute
// blocks. The partition table itself is checked by ValidatePlan().
absl::Status ResolvePartition(const std::vector<PartitionSpec>& parts, size_t index,
                              FaultSpec* f) {
  if (f->where.partition.empty()) return absl::OkStatus();
  const std::string path = FaultPath(index) + ".where";
  auto it = std::find_if(parts.begin(), parts.end(),
                         [&](const PartitionSpec& p) { return p.name == f->where.partition; });
  if (it == parts.end()) {
    std::vector<std::string> names;
    for (const PartitionSpec& p : parts) names.push_back(absl::StrCat("'", p.name, "'"));
    return PathError(path + ".partition",
                     absl::StrCat("no partition named '", f->where.partition, "' (defined: ",
                                  names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
  }
  if (it->block_count == 0) return absl::OkStatus();  // ValidatePlan reports the empty partition
  const Range whole{0, it->block_count - 1};
  const Range rel = f->where.blocks.value_or(whole);
  if (rel.last > whole.last) {
    return PathError(path + ".blocks",
                     absl::StrCat("block ", rel.last, " is outside partition '", it->name, "' (",
                                  it->block_count, " blocks; blocks are relative to it)"));
  }
  f->where.blocks = Range{it->first_block + rel.first, it->first_block + rel.last};
  for (uint64_t& b : f->where.block_list) {
    if (b > whole.last) {
      return PathError(path + ".block_list",
                       absl::StrCat("block ", b, " is outside partition '", it->name, "' (",
                                    it->block_count, " blocks; blocks are relative to it)"));
    }
    b += it->first_block;
  }
  return absl::OkStatus();
}

absl::StatusOr<Geometry> ScriptGeometry(const json& j, const Geometry* override) {
  if (override != nullptr) {
    if (j.contains("geometry") && !j["geometry"].is_string() && !j["geometry"].is_object()) {
      return PathError("$.geometry", absl::StrCat("expected a preset name or a geometry object, got ",
                                                  Describe(j["geometry"])));
    }
    return *override;
  }
  if (!j.contains("geometry")) {
    return PathError("$.geometry", "missing (name a preset, inline a geometry, or give "
                                   "--preset / --geometry)");
  }
  const json& v = j["geometry"];
  if (v.is_string()) {
    absl::StatusOr<Geometry> g = FindPreset(v.get<std::string>());
    if (!g.ok()) return PathError("$.geometry", g.status().message());
    return g;
  }
  if (!v.is_object()) {
    return PathError("$.geometry", absl::StrCat("expected a preset name or a geometry object, got ",
                                                Describe(v)));
  }
  absl::StatusOr<Geometry> g = GeometryFromJson(v);
  if (!g.ok()) {
    // GeometryFromJson names paths from its own root ("$.page_size").
    absl::string_view msg = g.status().message();
    if (msg.substr(0, 1) == "$") return absl::InvalidArgumentError(absl::StrCat("$.geometry", msg.substr(1)));
    return PathError("$.geometry", msg);
  }
  return g;
}

}  // namespace

std::span<const absl::string_view> ScriptTopKeys() { return kTopKeys; }
std::span<const absl::string_view> ScriptFaultKeys() { return kFaultKeys; }
std::span<const absl::string_view> ScriptWhereKeys() { return kWhereKeys; }
std::span<const absl::string_view> ScriptWhenKeys() { return kWhenKeys; }
std::span<const absl::string_view> ScriptPartitionKeys() { return kPartitionKeys; }

absl::StatusOr<FaultPlan> ParsePlan(const json& j, const Geometry& g) {
  FF_RETURN_IF_ERROR(CheckKeys(j, "$", kTopKeys));
  for (const char* doc : {"$schema", "description"}) {
    if (j.contains(doc) && !j[doc].is_string()) {
      return PathError(absl::StrCat("$.", doc), absl::StrCat("expected a string, got ",
                                                             Describe(j[doc])));
    }
  }
  FaultPlan plan;
  if (j.contains("seed")) { FF_ASSIGN_OR_RETURN(plan.seed, ReadU64(j["seed"], "$.seed")); }
  if (j.contains("partitions")) {
    FF_ASSIGN_OR_RETURN(plan.partitions, ReadPartitions(j["partitions"], g));
  }
  if (!j.contains("faults")) return PathError("$.faults", "missing");
  const json& faults = j["faults"];
  if (!faults.is_array()) {
    return PathError("$.faults", absl::StrCat("expected an array, got ", Describe(faults)));
  }
  for (size_t i = 0; i < faults.size(); ++i) {
    FF_ASSIGN_OR_RETURN(FaultSpec f, ReadFault(faults[i], i));
    FF_RETURN_IF_ERROR(ResolvePartition(plan.partitions, i, &f));
    plan.faults.push_back(std::move(f));
  }
  FF_RETURN_IF_ERROR(ValidatePlan(plan, g));
  return plan;
}

absl::StatusOr<FaultScript> ParseScript(const json& j, const Geometry* override) {
  if (!j.is_object()) {
    return PathError("$", absl::StrCat("expected an object, got ", Describe(j)));
  }
  FF_RETURN_IF_ERROR(CheckKeys(j, "$", kTopKeys));  // a typo'd key first, before its effects
  FaultScript s;
  FF_ASSIGN_OR_RETURN(s.geometry, ScriptGeometry(j, override));
  FF_ASSIGN_OR_RETURN(s.plan, ParsePlan(j, s.geometry));
  return s;
}

}  // namespace flashfault
