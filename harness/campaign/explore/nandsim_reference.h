// The explore bench's reference: the same crash states checked on nandsim
// holding the same cells, in the same guest (`flashfault explore
// --vs-nandsim`). The speed target (README, "Power-cut exploration"): at
// least 120 states a minute, flashfault's whole per-state cost within 2x of
// nandsim's checks alone.
//
// Must not: judge states (the reference run's results are timings only; a
// state that fails on nandsim but not over MUSE is reported, not a finding).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/model/geometry.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign {

// The `modprobe nandsim ...` arguments for a part of geometry `g`: its ID
// bytes. Unimplemented for a geometry nandsim cannot take the same way
// (only 2048+64-byte pages in 128 KiB blocks of 64, 128 or 256 MiB now).
absl::StatusOr<std::string> NandsimModuleArgs(const Geometry& g);

// Side by side over the states both runs checked (matched by id): per
// state, flashfault's whole cost (materialise, present, checks, teardown)
// and its checks alone, nandsim's checks and its restore (writing the state
// onto nandsim), the states a minute each gives, and the ratios. States
// whose result differs between the two are listed.
nlohmann::ordered_json CompareWithNandsim(const std::vector<nlohmann::json>& muse_states,
                                          const std::vector<nlohmann::json>& nandsim_states);

// One line per figure, for the terminal.
std::string NandsimComparisonText(const nlohmann::ordered_json& comparison);

}  // namespace flashfault::campaign
