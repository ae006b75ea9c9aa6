// The `mix` built-in: a workload that mixes every op kind, generated from a
// seed and a length. Same seed and length, same workload, on every machine
// (no std:: distributions, whose results vary between libraries).
//
// The generator keeps a rough picture of the tree so most ops are valid, but
// it does not need to be exact: an op that fails is logged with its errno and
// the oracle ignores it. It emits JSON that goes through ParseWorkload, like
// any user file.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "harness/campaign/oracle/workload.h"
#include "nlohmann/json.hpp"

namespace flashfault::oracle {

inline constexpr uint64_t kDefaultMixLength = 200;

// The workload as JSON (name "mix-SEED-LENGTH"); `length` ops (>= 1, at most
// 100000), the last ones closing any handle still open.
nlohmann::ordered_json GenerateMixJson(uint64_t seed, uint64_t length);
absl::StatusOr<Workload> GenerateMix(uint64_t seed, uint64_t length);

}  // namespace flashfault::oracle
