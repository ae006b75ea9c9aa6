// What one kernel-fuzzer execution did, as feedback for libFuzzer: a set
// of feature indices in [0, kFeatureSpace) with hit counts, which the host
// hands to libFuzzer as extra counters (an index is a counter; a new index,
// or a count in a new power-of-two bucket, makes the input interesting).
//
// Sources, each hashed into the space with its own tag:
//   kcov   edges (previous PC, PC) of the flash stack (debug kernel only)
//   log    each kernel-log line reduced to its template (signature.h's
//          normalisation): the error and recovery paths the kernel took
//   kind   each kernel-log kind the classifier counted (UBI/UBIFS errors,
//          ECC errors, bugs), with its count's bucket
//   step   each step's outcome (attach, mount, workload ops that failed,
//          recovery mount) and each fault kind that fired on each op kind
// The stock kernel has all but kcov. Must not: decide verdicts.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"

namespace flashfault::campaign::fuzz {

inline constexpr uint32_t kFeatureSpace = 1u << 16;

class FeatureSet {
 public:
  void AddKcovEdges(std::span<const uint64_t> pcs);
  void AddLogLines(std::span<const std::string> lines);
  void Add(std::string_view tag, std::string_view what, uint32_t count = 1);

  size_t size() const { return counts_.size(); }
  // [[index, count], ...] sorted by index.
  nlohmann::json ToJson() const;
  // Parses ToJson's form; a malformed entry is skipped (the host must not
  // trust a guest it fuzzes).
  static std::map<uint32_t, uint32_t> FromJson(const nlohmann::json& j);

 private:
  void Hit(uint32_t index, uint32_t count);
  std::map<uint32_t, uint32_t> counts_;
};

// FNV-1a over the tag and text, folded into the feature space.
uint32_t FeatureIndex(std::string_view tag, std::string_view what);

}  // namespace flashfault::campaign::fuzz
