// Feature hashing for the kernel fuzzer; see features.h.
#include "harness/campaign/fuzz/features.h"

#include <unordered_map>

#include "harness/campaign/signature.h"

namespace flashfault::campaign::fuzz {
namespace {

uint64_t Fnv(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint32_t Fold(uint64_t h) { return static_cast<uint32_t>((h ^ (h >> 32)) % kFeatureSpace); }

}  // namespace

uint32_t FeatureIndex(std::string_view tag, std::string_view what) {
  uint64_t h = Fnv(0xcbf29ce484222325ull, tag);
  h = Fnv(h, "\x1f");
  return Fold(Fnv(h, what));
}

void FeatureSet::Hit(uint32_t index, uint32_t count) {
  uint32_t& c = counts_[index % kFeatureSpace];
  c = c + count < c ? UINT32_MAX : c + count;
}

void FeatureSet::Add(std::string_view tag, std::string_view what, uint32_t count) {
  Hit(FeatureIndex(tag, what), count);
}

void FeatureSet::AddKcovEdges(std::span<const uint64_t> pcs) {
  // Edges, not PCs: the same code reached from another place is new
  // behaviour. Counted per distinct edge first, so one loop does not flood.
  std::unordered_map<uint64_t, uint32_t> edges;
  uint64_t prev = 0;
  for (uint64_t pc : pcs) {
    edges[(prev * 0x9e3779b97f4a7c15ull) ^ pc]++;
    prev = pc;
  }
  for (const auto& [edge, n] : edges) Hit(Fold(edge * 0xff51afd7ed558ccdull), n);
}

void FeatureSet::AddLogLines(std::span<const std::string> lines) {
  for (const std::string& l : lines) Add("log", NormaliseLogLine(l));
}

nlohmann::json FeatureSet::ToJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [index, count] : counts_) out.push_back({index, count});
  return out;
}

std::map<uint32_t, uint32_t> FeatureSet::FromJson(const nlohmann::json& j) {
  std::map<uint32_t, uint32_t> out;
  if (!j.is_array()) return out;
  for (const nlohmann::json& e : j) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_number_unsigned() || !e[1].is_number_unsigned()) {
      continue;
    }
    const uint64_t index = e[0].get<uint64_t>();
    if (index >= kFeatureSpace) continue;
    out[static_cast<uint32_t>(index)] = static_cast<uint32_t>(std::min<uint64_t>(e[1].get<uint64_t>(), UINT32_MAX));
  }
  return out;
}

}  // namespace flashfault::campaign::fuzz
