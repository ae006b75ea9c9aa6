// Geometry <-> JSON; see geometry_json.h.
#include "backends/model/geometry_json.h"

#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/model/presets.h"
#include "common/input_file.h"
#include "common/json_load.h"
#include "common/status_macros.h"

namespace flashfault {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json RegionToJson(const OobRegion& r) {
  return ordered_json{{"offset", r.offset}, {"length", r.length}};
}

absl::Status PathError(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
}

absl::StatusOr<uint32_t> ReadU32(const json& v, absl::string_view path) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
    return PathError(path, absl::StrCat("expected an unsigned integer, got ", QuoteExcerpt(v.dump())));
  }
  const uint64_t x = v.get<uint64_t>();
  if (x > UINT32_MAX) return PathError(path, absl::StrCat(x, " does not fit 32 bits"));
  return static_cast<uint32_t>(x);
}

// Checks that `obj` is an object and has no key outside `known`.
absl::Status CheckObject(const json& obj, absl::string_view path,
                         std::initializer_list<absl::string_view> known) {
  if (!obj.is_object()) return PathError(path, absl::StrCat("expected an object, got ", obj.type_name()));
  for (const auto& [key, value] : obj.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return PathError(absl::StrCat(path, JsonPathMember(key)), "unknown key");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<OobRegion> ReadRegion(const json& v, const std::string& path) {
  FF_RETURN_IF_ERROR(CheckObject(v, path, {"offset", "length"}));
  OobRegion r;
  if (v.contains("offset")) { FF_ASSIGN_OR_RETURN(r.offset, ReadU32(v["offset"], path + ".offset")); }
  if (!v.contains("length")) return PathError(path + ".length", "missing");
  FF_ASSIGN_OR_RETURN(r.length, ReadU32(v["length"], path + ".length"));
  return r;
}

}  // namespace

ordered_json GeometryToJson(const Geometry& g) {
  ordered_json free = ordered_json::array();
  for (const OobRegion& r : g.oob_layout.free) free.push_back(RegionToJson(r));
  return ordered_json{
      {"name", g.name},
      {"cell", CellTypeName(g.cell)},
      {"page_size", g.page_size},
      {"oob_size", g.oob_size},
      {"pages_per_block", g.pages_per_block},
      {"block_count", g.block_count},
      {"subpage_shift", g.subpage_shift},
      {"ecc_step", g.ecc_step},
      {"ecc_strength", g.ecc_strength},
      {"bitflip_threshold", g.bitflip_threshold},
      {"oob_layout",
       {{"bad_block_marker", RegionToJson(g.oob_layout.bad_block_marker)},
        {"ecc", RegionToJson(g.oob_layout.ecc)},
        {"free", free}}},
      {"nop", g.nop},
      {"in_order_programming", g.in_order_programming},
      {"pairing_distance", g.pairing_distance},
      {"endurance", g.endurance},
  };
}

absl::StatusOr<Geometry> GeometryFromJson(const json& j) {
  FF_RETURN_IF_ERROR(CheckObject(j, "$",
                                 {"name", "cell", "page_size", "oob_size", "pages_per_block",
                                  "block_count", "subpage_shift", "ecc_step", "ecc_strength",
                                  "bitflip_threshold", "oob_layout", "nop",
                                  "in_order_programming", "pairing_distance", "endurance"}));
  Geometry g;
  for (const char* required : {"name", "cell", "page_size", "pages_per_block", "block_count"}) {
    if (!j.contains(required)) return PathError(absl::StrCat("$.", required), "missing");
  }
  if (!j["name"].is_string()) return PathError("$.name", "expected a string");
  g.name = j["name"].get<std::string>();
  const json& cell = j["cell"];
  if (cell == "slc") g.cell = CellType::kSlc;
  else if (cell == "mlc") g.cell = CellType::kMlc;
  else if (cell == "nor") g.cell = CellType::kNor;
  else return PathError("$.cell", absl::StrCat("expected \"slc\", \"mlc\" or \"nor\", got ", QuoteExcerpt(cell.dump())));

  const std::map<std::string, uint32_t*> numbers = {
      {"page_size", &g.page_size},         {"oob_size", &g.oob_size},
      {"pages_per_block", &g.pages_per_block}, {"block_count", &g.block_count},
      {"subpage_shift", &g.subpage_shift}, {"ecc_step", &g.ecc_step},
      {"ecc_strength", &g.ecc_strength},   {"bitflip_threshold", &g.bitflip_threshold},
      {"nop", &g.nop},                     {"pairing_distance", &g.pairing_distance},
      {"endurance", &g.endurance}};
  for (const auto& [key, field] : numbers) {
    if (j.contains(key)) { FF_ASSIGN_OR_RETURN(*field, ReadU32(j[key], "$." + key)); }
  }
  if (j.contains("in_order_programming")) {
    if (!j["in_order_programming"].is_boolean()) {
      return PathError("$.in_order_programming", "expected true or false");
    }
    g.in_order_programming = j["in_order_programming"].get<bool>();
  }
  if (j.contains("oob_layout")) {
    const json& l = j["oob_layout"];
    FF_RETURN_IF_ERROR(CheckObject(l, "$.oob_layout", {"bad_block_marker", "ecc", "free"}));
    if (l.contains("bad_block_marker")) {
      FF_ASSIGN_OR_RETURN(g.oob_layout.bad_block_marker,
                          ReadRegion(l["bad_block_marker"], "$.oob_layout.bad_block_marker"));
    }
    if (l.contains("ecc")) {
      FF_ASSIGN_OR_RETURN(g.oob_layout.ecc, ReadRegion(l["ecc"], "$.oob_layout.ecc"));
    }
    if (l.contains("free")) {
      if (!l["free"].is_array()) return PathError("$.oob_layout.free", "expected an array");
      for (size_t i = 0; i < l["free"].size(); ++i) {
        FF_ASSIGN_OR_RETURN(OobRegion r,
                            ReadRegion(l["free"][i], absl::StrCat("$.oob_layout.free[", i, "]")));
        g.oob_layout.free.push_back(r);
      }
    }
  }
  // ValidateGeometry names fields as "geometry.page_size"; in a JSON file
  // the place is the JSON path "$.page_size".
  if (absl::Status s = ValidateGeometry(g); !s.ok()) {
    absl::string_view msg = s.message();
    constexpr absl::string_view kField = "geometry.";
    if (msg.substr(0, kField.size()) == kField) {
      return absl::Status(s.code(), absl::StrCat("$.", msg.substr(kField.size())));
    }
    return s;
  }
  return g;
}

absl::StatusOr<Geometry> ParseGeometryText(absl::string_view text, absl::string_view file) {
  FF_ASSIGN_OR_RETURN(const json j, ParseJsonText(text, file));
  absl::StatusOr<Geometry> g = GeometryFromJson(j);
  if (!g.ok() && !file.empty()) {
    return absl::Status(g.status().code(), absl::StrCat(file, ": ", g.status().message()));
  }
  return g;
}

absl::StatusOr<Geometry> LoadGeometryFile(const std::string& path) {
  FF_ASSIGN_OR_RETURN(const std::string text, ReadInputFile(path));
  return ParseGeometryText(text, path);
}

absl::StatusOr<Geometry> ResolveGeometry(absl::string_view preset, const std::string& file) {
  if (!preset.empty() && !file.empty()) {
    return absl::InvalidArgumentError("give --preset or --geometry, not both");
  }
  if (!file.empty()) return LoadGeometryFile(file);
  if (preset.empty()) return absl::InvalidArgumentError("no geometry: give --preset NAME or --geometry FILE");
  return FindPreset(preset);
}

}  // namespace flashfault
