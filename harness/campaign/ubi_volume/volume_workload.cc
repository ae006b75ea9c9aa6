// Parsing, printing and generating UBI volume workloads; see volume_workload.h.
#include "harness/campaign/ubi_volume/volume_workload.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flashfault::ubi_volume {
namespace {

using json = nlohmann::json;

struct KindName {
  VolumeOpKind kind;
  const char* name;
};
constexpr KindName kKinds[] = {{VolumeOpKind::kChange, "change"},
                               {VolumeOpKind::kErase, "erase"},
                               {VolumeOpKind::kUnmap, "unmap"},
                               {VolumeOpKind::kMap, "map"}};

// Larger than any LEB of any preset; the executor meets the real limit
// (the volume's usable LEB size) and the kernel refuses what is over it.
constexpr uint64_t kMaxChangeBytes = uint64_t{1} << 24;

absl::Status Bad(absl::string_view source, absl::string_view where, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", where, ": ", why));
}

absl::StatusOr<uint64_t> Unsigned(const json& v, uint64_t max, absl::string_view source,
                                  const std::string& where) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
    return Bad(source, where, "expected an unsigned integer");
  }
  const uint64_t n = v.get<uint64_t>();
  if (n > max) return Bad(source, where, absl::StrCat("must be at most ", max));
  return n;
}

// splitmix64: the same sequence on every machine and library.
struct Rng {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
};

}  // namespace

absl::string_view VolumeOpKindName(VolumeOpKind kind) {
  for (const KindName& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "?";
}

std::optional<VolumeOpKind> VolumeOpKindFromName(absl::string_view name) {
  for (const KindName& k : kKinds) {
    if (name == k.name) return k.kind;
  }
  return std::nullopt;
}

bool IsVolumeWorkloadJson(const json& j) {
  return j.is_object() && j.contains("target") && j["target"] == kTarget;
}

absl::StatusOr<VolumeOp> ParseVolumeOp(const json& j, absl::string_view source,
                                       absl::string_view where) {
  if (!j.is_object()) return Bad(source, where, "an op is a JSON object");
  if (!j.contains("op") || !j["op"].is_string()) {
    return Bad(source, absl::StrCat(where, ".op"), "expected change, erase, unmap or map");
  }
  const std::optional<VolumeOpKind> kind = VolumeOpKindFromName(j["op"].get<std::string>());
  if (!kind) {
    return Bad(source, absl::StrCat(where, ".op"),
               absl::StrCat("unknown op '", j["op"].get<std::string>(),
                            "' (expected change, erase, unmap or map)"));
  }
  VolumeOp op;
  op.kind = *kind;
  const bool change = *kind == VolumeOpKind::kChange;
  for (const auto& [key, value] : j.items()) {
    const std::string at = absl::StrCat(where, ".", key);
    if (key == "op") continue;
    if (key == "lnum") {
      FF_ASSIGN_OR_RETURN(const uint64_t n, Unsigned(value, kMaxLnum, source, at));
      op.lnum = static_cast<uint32_t>(n);
    } else if (change && key == "length") {
      FF_ASSIGN_OR_RETURN(op.length, Unsigned(value, kMaxChangeBytes, source, at));
    } else if (change && key == "seed") {
      FF_ASSIGN_OR_RETURN(op.seed, Unsigned(value, UINT64_MAX, source, at));
    } else {
      return Bad(source, at,
                 change ? "unknown key (a change has lnum, length, seed)"
                        : absl::StrCat("unknown key (", VolumeOpKindName(*kind), " has lnum)"));
    }
  }
  if (!j.contains("lnum")) return Bad(source, absl::StrCat(where, ".lnum"), "required");
  if (change && !j.contains("length")) return Bad(source, absl::StrCat(where, ".length"), "required");
  return op;
}

absl::StatusOr<VolumeWorkload> ParseVolumeWorkload(const json& j, absl::string_view source) {
  if (!j.is_object()) return Bad(source, "$", "a workload is a JSON object");
  if (!IsVolumeWorkloadJson(j)) {
    return Bad(source, "$.target", absl::StrCat("expected \"", kTarget, "\""));
  }
  VolumeWorkload w;
  for (const auto& [key, value] : j.items()) {
    const std::string at = absl::StrCat("$.", key);
    if (key == "target") continue;
    if (key == "name") {
      if (!value.is_string()) return Bad(source, at, "expected a string");
      w.name = value.get<std::string>();
    } else if (key == "ops") {
      if (!value.is_array()) return Bad(source, at, "expected an array of ops");
      for (size_t i = 0; i < value.size(); ++i) {
        FF_ASSIGN_OR_RETURN(VolumeOp op, ParseVolumeOp(value[i], source, absl::StrCat(at, "[", i, "]")));
        w.ops.push_back(op);
      }
    } else {
      return Bad(source, at, "unknown key (expected target, name, ops)");
    }
  }
  if (w.name.empty()) return Bad(source, "$.name", "a workload needs a name");
  if (!j.contains("ops")) return Bad(source, "$.ops", "a workload needs ops");
  return w;
}

nlohmann::ordered_json VolumeOpToJson(const VolumeOp& op) {
  nlohmann::ordered_json j = {{"op", VolumeOpKindName(op.kind)}, {"lnum", op.lnum}};
  if (op.kind == VolumeOpKind::kChange) {
    j["length"] = op.length;
    j["seed"] = op.seed;
  }
  return j;
}

nlohmann::ordered_json VolumeWorkloadToJson(const VolumeWorkload& w) {
  nlohmann::ordered_json j = {{"target", kTarget}, {"name", w.name}};
  j["ops"] = nlohmann::ordered_json::array();
  for (const VolumeOp& op : w.ops) j["ops"].push_back(VolumeOpToJson(op));
  return j;
}

std::string DescribeVolumeOp(const VolumeOp& op) {
  if (op.kind == VolumeOpKind::kChange) {
    return absl::StrCat("change LEB ", op.lnum, ": ", op.length, " bytes of seed ", op.seed);
  }
  return absl::StrCat(VolumeOpKindName(op.kind), " LEB ", op.lnum);
}

VolumeWorkload GenerateVolumeMix(uint64_t seed, uint64_t length, uint64_t max_length) {
  Rng rng{seed};
  VolumeWorkload w;
  length = std::clamp<uint64_t>(length, 1, 1000);
  max_length = std::max<uint64_t>(max_length, 1);
  w.name = absl::StrCat("ubi-mix-", seed, "-", length);
  for (uint64_t i = 0; i < length; ++i) {
    VolumeOp op;
    op.lnum = static_cast<uint32_t>(rng.Below(kMaxLnum + 1));
    const uint64_t pick = rng.Below(10);
    if (pick < 6) {
      op.kind = VolumeOpKind::kChange;
      // A third whole LEBs, the rest anywhere from empty up: a LEB change of
      // 0 bytes is allowed and leaves the LEB mapped and empty.
      op.length = rng.Below(3) == 0 ? max_length : rng.Below(max_length + 1);
      op.seed = rng.Next() & 0xffffffffu;
    } else {
      op.kind = pick < 8 ? VolumeOpKind::kErase : (pick < 9 ? VolumeOpKind::kUnmap : VolumeOpKind::kMap);
    }
    w.ops.push_back(op);
  }
  return w;
}

}  // namespace flashfault::ubi_volume
