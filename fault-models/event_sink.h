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
//    "ooboffs":OFS (reads and writes, only when not 0),
//    "bf":max_bitflips,"corr":corrected,"fail":failed_steps,"scrub":true}
//      (bf/corr/fail/scrub only on reads; "bad":true|false only on isbad)
//   {"t":"fault","i":N,"id":"fault id","kind":"read_bitflip",
//    "block":B,"page":P,"effect":"...","bits":[...],"draw":D,"fire":F}
//      (page is the page inside the block, -1 when the fault is per block;
//       bits are bit indexes over page data then OOB; draw is the position
//       of the fault's RNG stream after the decision; fire numbers the
//       firing the record belongs to: FaultRecord::fire)
//   {"t":"ctl","i":N,"do":"power_on|power_off|clock|arm","us":U,"id":"..."}
//      (a change between ops, before op N: power back, power cut by command
//       (id names who), virtual clock advanced by U us, fault id armed)
//   {"t":"hash","i":N,"state":"16 hex digits"}
//      (StateHash() of the whole device after op N; -1 = before op 0)
// Decoding layers (FaultLayerOptions::decode, or faults aimed by meaning)
// add to every placed op what it touched, per page (erase, isbad, markbad:
// per block; NOR: one for the op), runs of erased pages folded into one:
//   "m":[{"kind":"vid-header","ec":true,"vid":true,"vol":0,"name":"data",
//         "lnum":3,"sqnum":812,"copy":true,"off":4096,"area":"master",
//         "nodes":["mst"],"cont":"data","inums":[65],"bad_crc":1,
//         "hdr_crc":"bad","fm":"superblock"}, {"kind":"erased","pages":12}]
//   (each key only when it applies; kind is decoders::PageKindName, nodes
//    and cont name UBIFS node types or JFFS2 node kinds)
// Replayable logs (JsonlEventSink::SetReplay) add to the start line
//   "replay":{"geometry":{...},"plan":{...},"payload":"LOG.data","hash_every":K}
// (the full geometry and the plan as a JSON fault script), and every write
// line gets "data":OFF and/or "oobd":OFF: byte offsets in the payload file
// where the write's in-band bytes and OOB bytes were appended, raw.
// Ops are buffered and written in large chunks; nothing is flushed per line
// unless `flush_each_line` is set, so millions of ops stay cheap.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "backends/model/flash_device.h"
#include "decoders/flash_meaning.h"
#include "fault-models/fault_spec.h"

namespace flashfault {

struct OpRecord {
  uint64_t index = 0;
  uint32_t op = 0;  // one OpMask bit
  uint64_t addr = 0;
  uint64_t len = 0;      // in-band bytes (erase: bytes erased)
  uint64_t oob_len = 0;  // OOB bytes
  OobMode mode = OobMode::kPlace;
  uint32_t ooboffs = 0;  // reads and writes: OOB start inside the first page
  absl::StatusCode code = absl::StatusCode::kOk;
  ReadReport report;  // reads only
  bool bad = false;   // isbad only: the answer
  // Writes only: the payload as the caller passed it (valid during OnOp).
  std::span<const uint8_t> data, oob;
  // Decoding layers: what each page (block) of the op meant, and what the
  // classifier knows (volume names); valid during OnOp. Empty / null otherwise.
  std::span<const decoders::PageMeaning> meanings;
  const decoders::FlashMeaning* flash = nullptr;
};

// A change made between ops (not an op: it gets no op index of its own).
enum class ControlKind { kPowerOn, kPowerOff, kClock, kArm };
struct ControlRecord {
  uint64_t before_op = 0;  // the index the next op will get
  ControlKind kind = ControlKind::kPowerOn;
  uint64_t us = 0;         // kClock: microseconds added
  absl::string_view id;    // kArm: the fault; kPowerOff: who cut
};
const char* ControlKindName(ControlKind kind);  // "power_on", "power_off", "clock", "arm"

struct FaultRecord {
  int64_t op_index = -1;  // -1: applied when the layer attached
  absl::string_view id;
  FaultKind kind = FaultKind::kReadBitflip;
  int64_t block = -1;
  int64_t page = -1;         // inside the block; -1 = whole block or none
  absl::string_view effect;  // a short word: "flips", "unchanged", "torn", ...
  std::span<const uint32_t> bits;
  // Or the same cells as a mask (ecc_engine.h: bit i of word w is cell
  // 64w + i), for faults that strike thousands of cells at once: a sink
  // that does not print cells then pays nothing per cell. At most one of
  // bits and bit_mask is non-empty; FaultBits() gives either as a list.
  std::span<const uint64_t> bit_mask;
  uint64_t draw = 0;
  // Which firing of this fault the injection belongs to (1, 2, ...): one
  // firing may inject several records (a stuck-bit fault's pages, a cut's
  // torn page and its paired page) and leave after-effects that are recorded
  // later under the same number (each re-read of unstable cells, each op
  // refused by a block a firing made bad). "How often did it fire" is the
  // number of distinct values, never the number of records.
  uint64_t fire = 0;
};

// The cells of `f` as sorted bit indexes, from `bits` or `bit_mask`.
std::vector<uint32_t> FaultBits(const FaultRecord& f);

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
  // PowerOn, CutPower, AdvanceClock, Arm: state changes a replay must redo.
  virtual void OnControl(const ControlRecord&) {}
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
  void OnControl(const ControlRecord& c) override;
  absl::Status Flush() override;

  // Makes the log replayable. Call before the layer is created (OnStart).
  //   start_json: the object written as the start line's "replay" value
  //     (replay_log.h's ReplayStartJson builds it);
  //   payload: where write payloads go (not owned, not closed); null keeps
  //     the cheap no-payload mode (such a log cannot be replayed);
  void SetReplay(std::string start_json, std::FILE* payload);
  // A hash line after every `every`-th op (op indexes every-1, 2*every-1,
  // ...; 0 = only on WriteStateHash). The hasher (StateHash of the layer)
  // only reads the device; set it once the layer exists.
  void SetStateHasher(std::function<uint64_t()> hasher, uint64_t every);
  // Writes a hash line for the state now, as the state after op `index`.
  void WriteStateHash(int64_t index);

 private:
  void EndLine();
  void WriteMeanings(const OpRecord& op);
  void WritePayload(std::span<const uint8_t> bytes);

  std::FILE* payload_ = nullptr;
  uint64_t payload_off_ = 0;
  std::string payload_buf_;
  std::string replay_json_;
  std::function<uint64_t()> hasher_;
  uint64_t hash_every_ = 0;
  std::FILE* file_ = nullptr;
  std::string* out_ = nullptr;
  bool flush_each_line_ = false;
  std::string buf_;
  absl::Status error_;
};

}  // namespace flashfault
