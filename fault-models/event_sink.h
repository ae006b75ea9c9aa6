// EventSink: where the fault layer reports every operation and every fault
// it injected, so a run can be audited, counted and replayed.
//
// The fault layer calls OnStart once, then OnOp once per operation (after
// its faults, in op order) and OnFault for each injected fault, just before
// the OnOp of the op it struck (attach-time faults have op_index -1).
// Sinks must not change the device or call back into the layer.
//
// JsonlEventSink writes JSON Lines; one object per line, field names:
//   {"t":"start","format":"flashfault-events","version":1,"seed":S,
//    "geometry":"slc-2k-64m","faults":["id",...]}
//   {"t":"op","i":N,"op":"read|write|erase|isbad|markbad|sync","addr":A,
//    "len":L,"oob":O,"mode":"place|auto|raw","status":"ok|data_loss|...",
//    "bf":max_bitflips,"corr":corrected,"fail":failed_steps,"scrub":true}
//      (bf/corr/fail/scrub only on reads; "bad":true|false only on isbad)
//   {"t":"fault","i":N,"id":"fault id","kind":"read_bitflip",
//    "block":B,"page":P,"effect":"...","bits":[...],"draw":D}
//      (page is the page inside the block, -1 when the fault is per block;
//       bits are bit indexes over page data then OOB; draw is the position
//       of the fault's RNG stream after the decision)
// Ops are buffered and written in large chunks; nothing is flushed per line
// unless `flush_each_line` is set, so millions of ops stay cheap.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "backends/model/flash_device.h"
#include "fault-models/fault_spec.h"

namespace flashfault {

struct OpRecord {
  uint64_t index = 0;
  uint32_t op = 0;  // one OpMask bit
  uint64_t addr = 0;
  uint64_t len = 0;      // in-band bytes (erase: bytes erased)
  uint64_t oob_len = 0;  // OOB bytes
  OobMode mode = OobMode::kPlace;
  absl::StatusCode code = absl::StatusCode::kOk;
  ReadReport report;  // reads only
  bool bad = false;   // isbad only: the answer
};

struct FaultRecord {
  int64_t op_index = -1;  // -1: applied when the layer attached
  absl::string_view id;
  FaultKind kind = FaultKind::kReadBitflip;
  int64_t block = -1;
  int64_t page = -1;         // inside the block; -1 = whole block or none
  absl::string_view effect;  // a short word: "flips", "unchanged", "torn", ...
  std::span<const uint32_t> bits;
  uint64_t draw = 0;
};

struct RunInfo {
  uint64_t seed = 0;
  absl::string_view geometry;
  std::vector<std::string> fault_ids;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void OnStart(const RunInfo& info) = 0;
  virtual void OnOp(const OpRecord& op) = 0;
  virtual void OnFault(const FaultRecord& fault) = 0;
  // Pushes buffered records out. Returns the first write error seen.
  virtual absl::Status Flush() { return absl::OkStatus(); }
};

// Snake-case status names used in logs ("ok", "data_loss", "unavailable").
const char* StatusCodeLogName(absl::StatusCode code);

class JsonlEventSink final : public EventSink {
 public:
  // Writes to `file` (not owned, not closed). REQUIRES: file outlives the sink.
  explicit JsonlEventSink(std::FILE* file, bool flush_each_line = false);
  // Appends to `*out` instead (tests, in-memory capture).
  explicit JsonlEventSink(std::string* out);
  ~JsonlEventSink() override;

  void OnStart(const RunInfo& info) override;
  void OnOp(const OpRecord& op) override;
  void OnFault(const FaultRecord& fault) override;
  absl::Status Flush() override;

 private:
  void EndLine();

  std::FILE* file_ = nullptr;
  std::string* out_ = nullptr;
  bool flush_each_line_ = false;
  std::string buf_;
  absl::Status error_;
};

}  // namespace flashfault
