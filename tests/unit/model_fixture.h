// Helpers shared by the model tests: a model on a RAM store, page buffers.
#pragma once

#include <memory>
#include <vector>

#include "backends/model/nand_model.h"
#include "backends/model/presets.h"
#include "backends/store/ram_store.h"

namespace flashfault::testing {

inline std::unique_ptr<NandModel> MakeModel(const Geometry& g,
                                            RuleMode rules = RuleMode::kStrict) {
  auto store = std::make_unique<RamStore>(
      uint64_t{g.page_size + g.oob_size} * g.pages_per_block, g.block_count);
  auto model = NandModel::Create(g, std::move(store), rules);
  if (!model.ok()) return nullptr;
  return std::move(*model);
}

inline std::unique_ptr<NandModel> MakePreset(const char* name,
                                             RuleMode rules = RuleMode::kStrict) {
  return MakeModel(*FindPreset(name), rules);
}

// slc-2k-64m cut to 16 blocks: small enough to replay and hash in a blink.
inline Geometry SmallGeometry() {
  Geometry g = *FindPreset("slc-2k-64m");
  g.name = "slc-2k-test16";
  g.block_count = 16;
  return g;
}

inline std::vector<uint8_t> Bytes(size_t n, uint8_t v) { return std::vector<uint8_t>(n, v); }

}  // namespace flashfault::testing
