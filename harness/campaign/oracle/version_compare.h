// Byte comparison of an observed file with model versions, chunk by chunk,
// without materialising whole versions. Mechanics only: crash_check.cc
// decides which versions are allowed and what a mismatch means.
#pragma once

#include <cstdint>
#include <optional>
#include "absl/strings/string_view.h"
#include <vector>

#include "harness/campaign/oracle/tree_model.h"

namespace flashfault::oracle {

struct ByteMismatch {
  uint64_t offset = 0;    // the first bad byte
  uint8_t observed = 0;   // its value
  uint8_t expected = 0;   // CompareExact: the version's byte there
  uint64_t count = 0;     // how many bytes are bad in all
};

// Every byte of `observed` must equal `v`'s byte at that offset.
std::optional<ByteMismatch> CompareExact(absl::string_view observed, const ObjectState& v);

// Every byte must be zero (a hole) or equal some version's byte at that offset.
std::optional<ByteMismatch> CompareAnyOrZero(absl::string_view observed,
                                             const std::vector<const ObjectState*>& versions);

}  // namespace flashfault::oracle
