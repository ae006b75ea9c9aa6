// Named geometries of common parts ("slc-2k-128m", "mlc-4k", ...).
//
// The one table of presets; the CLI's `geometry list` prints it and every
// --preset flag looks names up here. Each entry passes ValidateGeometry().
#pragma once

#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/model/geometry.h"

namespace flashfault {

struct Preset {
  absl::string_view name;
  absl::string_view description;
  Geometry geometry;
};

std::span<const Preset> AllPresets();

// The preset's geometry, or NotFound naming the known presets.
absl::StatusOr<Geometry> FindPreset(absl::string_view name);

}  // namespace flashfault
