// State hash; see state_hash.h. The byte hash is an xxHash64-style 4-lane
// multiply-rotate loop (written here, not linked): fast on the large, mostly
// constant buffers of a flash image and stable across builds and hosts.
#include "fault-models/state_hash.h"

#include <bit>
#include <cstring>
#include <unordered_map>

#include "absl/strings/str_cat.h"

namespace flashfault {
namespace {

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ull;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4Full;
constexpr uint64_t kP3 = 0x165667B19E3779F9ull;
constexpr uint64_t kP4 = 0x85EBCA77C2B2AE63ull;
constexpr uint64_t kP5 = 0x27D4EB2F165667C5ull;

uint64_t Load64(const uint8_t* p) {
  // Assembled byte by byte so big-endian hosts agree with little-endian ones;
  // compilers turn this into one load on x86.
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint64_t Round(uint64_t acc, uint64_t input) {
  acc += input * kP2;
  acc = std::rotl(acc, 31);
  return acc * kP1;
}

uint64_t MergeRound(uint64_t acc, uint64_t val) {
  acc ^= Round(0, val);
  return acc * kP1 + kP4;
}

uint64_t Avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

// Folds one number into a running hash.
uint64_t Mix(uint64_t h, uint64_t v) { return Avalanche(h ^ Round(0, v)) + kP4; }

}  // namespace

uint64_t HashBytes(const uint8_t* p, size_t n, uint64_t seed) {
  const uint8_t* const end = p + n;
  uint64_t h;
  if (n >= 32) {
    uint64_t v1 = seed + kP1 + kP2, v2 = seed + kP2, v3 = seed, v4 = seed - kP1;
    for (; p + 32 <= end; p += 32) {
      v1 = Round(v1, Load64(p));
      v2 = Round(v2, Load64(p + 8));
      v3 = Round(v3, Load64(p + 16));
      v4 = Round(v4, Load64(p + 24));
    }
    h = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
    h = MergeRound(MergeRound(MergeRound(MergeRound(h, v1), v2), v3), v4);
  } else {
    h = seed + kP5;
  }
  h += n;
  for (; p + 8 <= end; p += 8) h = std::rotl(h ^ Round(0, Load64(p)), 27) * kP1 + kP4;
  for (; p < end; ++p) h = std::rotl(h ^ (*p * kP5), 11) * kP1;
  return Avalanche(h);
}

uint64_t ModelStateHash(NandModel& model) {
  const Geometry& g = model.geometry();
  PageStore& store = model.store();
  uint64_t h = Mix(Mix(Mix(0x666c617368ull, g.page_size), g.oob_size), g.total_pages());
  // The sparse RAM store hands out one shared erased buffer for every block
  // never written; hash it once per call.
  std::unordered_map<const uint8_t*, uint64_t> shared;
  for (uint32_t b = 0; b < g.block_count; ++b) {
    std::span<const uint8_t> bytes = store.Block(b);
    uint64_t bh;
    auto it = shared.find(bytes.data());
    if (it != shared.end()) {
      bh = it->second;
    } else {
      bh = HashBytes(bytes.data(), bytes.size(), 0);
      shared.emplace(bytes.data(), bh);
    }
    const BlockMeta& meta = store.meta(b);
    const BlockCounters c = model.block_counters(b);
    h = Mix(Mix(Mix(Mix(Mix(Mix(h, b), bh), meta.erases), meta.bad ? 1 : 0),
                c.reads_since_erase),
            c.programs);
    const uint64_t base = uint64_t{b} * g.pages_per_block;
    for (uint32_t p = 0; p < g.pages_per_block; ++p) {
      const CellErrors* errors = model.cell_errors(base + p);
      if (errors == nullptr) continue;
      h = Mix(Mix(h, base + p), errors->size());
      for (uint32_t bit : *errors) h = Mix(h, bit);
    }
  }
  return h;
}

uint64_t StateHash(FaultLayer& layer) {
  uint64_t h = ModelStateHash(layer.model());
  return Mix(Mix(h, layer.powered() ? 1 : 2), layer.now_us());
}

std::string StateHashHex(uint64_t hash) { return absl::StrCat(absl::Hex(hash, absl::kZeroPad16)); }

}  // namespace flashfault
