// The JSON form of a Geometry (schema: corpora/schemas/geometry.schema.json).
//
// Parsing is strict: unknown keys, wrong types and out-of-range numbers are
// errors that name the JSON path ("$.oob_layout.free[1].length: ..."), and
// the result is checked with ValidateGeometry() before it is returned.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/model/geometry.h"
#include "nlohmann/json.hpp"

namespace flashfault {

nlohmann::ordered_json GeometryToJson(const Geometry& g);
absl::StatusOr<Geometry> GeometryFromJson(const nlohmann::json& j);
// Parses a geometry file's text through the common JSON loader (repeated
// keys refused, line and column on a syntax error); errors start with
// "FILE: " unless `file` is empty. No I/O, so the fuzzer can drive it.
absl::StatusOr<Geometry> ParseGeometryText(absl::string_view text, absl::string_view file);
// Reads and parses a geometry file; errors name the file.
absl::StatusOr<Geometry> LoadGeometryFile(const std::string& path);
// A geometry from `--preset NAME` or `--geometry FILE` (exactly one given).
absl::StatusOr<Geometry> ResolveGeometry(absl::string_view preset, const std::string& file);

}  // namespace flashfault
