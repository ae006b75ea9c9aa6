// Helpers shared by the fault layer tests: a FaultLayer on a RAM model, a
// sink that records faults, page helpers that go through the MTD view only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fault-models/fault_layer.h"
#include "tests/unit/model_fixture.h"

namespace flashfault::testing {

// The shape of slc-2k-64m, the preset most fault tests run on.
inline constexpr uint64_t kPpb = 64;
inline constexpr uint64_t kBlock = 2048 * kPpb;

// Keeps every record the layer reports.
class RecordingSink final : public EventSink {
 public:
  struct Fault {
    int64_t op;
    std::string id;
    FaultKind kind;
    int64_t block, page;
    std::string effect;
    std::vector<uint32_t> bits;
    uint64_t fire;  // FaultRecord::fire
  };
  void OnStart(const RunInfo& info) override { seed = info.seed; }
  void OnOp(const OpRecord& op) override { ops.push_back(op); }
  void OnFault(const FaultRecord& f) override {
    faults.push_back({f.op_index,
                      std::string(f.id),
                      f.kind,
                      f.block,
                      f.page,
                      std::string(f.effect),
                      FaultBits(f),
                      f.fire});
  }
  // Op indexes of the faults of `id`.
  std::vector<int64_t> OpsOf(const std::string& id) const {
    std::vector<int64_t> out;
    for (const Fault& f : faults) {
      if (f.id == id) out.push_back(f.op);
    }
    return out;
  }

  uint64_t seed = 0;
  std::vector<OpRecord> ops;
  std::vector<Fault> faults;
};

inline FaultSpec Spec(const std::string& id, FaultKind kind) {
  FaultSpec s;
  s.id = id;
  s.kind = kind;
  return s;
}

inline std::unique_ptr<FaultLayer> MakeLayer(const char* preset, FaultPlan plan,
                                             FaultLayerOptions options = {}) {
  auto layer = FaultLayer::Create(MakePreset(preset), plan, std::move(options));
  if (!layer.ok()) {
    ADD_FAILURE() << layer.status();
    return nullptr;
  }
  return std::move(*layer);
}

inline FaultPlan Plan(uint64_t seed, std::vector<FaultSpec> faults) {
  FaultPlan plan;
  plan.seed = seed;
  plan.faults = std::move(faults);
  return plan;
}

inline std::unique_ptr<FaultLayer> MakeLayer(const char* preset, std::vector<FaultSpec> faults,
                                             uint64_t seed = 1, EventSink* sink = nullptr) {
  return MakeLayer(preset, Plan(seed, std::move(faults)),
                   FaultLayerOptions{.sink = sink, .sleeper = nullptr});
}

// Whole-page helpers over FlashDevice (data, then OOB in PLACE mode).
inline absl::Status WritePage(FlashDevice& d, uint64_t page, uint8_t value) {
  const Geometry& g = d.geometry();
  return d.Write({.addr = page * g.page_size}, Bytes(g.page_size, value), {});
}

struct PageRead {
  absl::Status status;
  ReadReport report;
  std::vector<uint8_t> data;
};

inline PageRead ReadPage(FlashDevice& d, uint64_t page, OobMode mode = OobMode::kPlace) {
  const Geometry& g = d.geometry();
  PageRead r;
  r.data.resize(g.page_size);
  std::vector<uint8_t> oob(g.oob_size);
  auto got = d.Read({.addr = page * g.page_size, .mode = mode}, r.data, oob);
  r.status = got.status();
  if (got.ok()) r.report = *got;
  r.data.insert(r.data.end(), oob.begin(), oob.end());
  return r;
}

// Bits where `a` and `b` differ, as CellErrors-style indexes.
inline std::vector<uint32_t> DiffBits(const std::vector<uint8_t>& a,
                                      const std::vector<uint8_t>& b) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    for (uint32_t bit = 0; bit < 8; ++bit) {
      if (((a[i] ^ b[i]) >> bit) & 1) out.push_back(static_cast<uint32_t>(i * 8 + bit));
    }
  }
  return out;
}

}  // namespace flashfault::testing
