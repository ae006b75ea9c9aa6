// OpInterpreter: the one place that turns bytes into MTD operations, shared by
// the fault-stream fuzzer, the tests and reproducers, so a fuzzer input, a
// test and a reproducer script all mean the same op sequence.
//
// DecodeOp() reads one op (ByteReader decisions: integers off the end of the
// op stream) for a geometry: read/write/erase/isbad/markbad/sync plus the two
// control steps a run needs (power on, advance the virtual clock); data and
// OOB in PLACE/AUTO/RAW mode; mostly page- and block-aligned, sometimes not,
// so the error paths get exercised too. A write's payload is not taken from
// the input: it is a pattern generated from a 32-bit `fill` seed, which keeps
// inputs short and ops printable (OpToJson).
// OpInterpreter::Run executes one op on any FlashDevice. Neither does I/O,
// keeps global state or depends on the answers of earlier ops.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "backends/model/flash_device.h"
#include "fault-models/stream/byte_reader.h"

namespace flashfault {

// The device ops first, in OpMask's bit order (fault_spec.h), then the two
// control steps. Device ops are named by OpName, the one table of op names.
enum class OpCode : uint8_t { kRead, kWrite, kErase, kIsBad, kMarkBad, kSync, kPowerOn, kClock };
const char* OpCodeName(OpCode code);  // "read", ..., "power_on", "clock"

struct InterpOp {
  OpCode code = OpCode::kSync;
  uint64_t addr = 0;       // byte address (read, write, erase, isbad, markbad)
  uint64_t len = 0;        // in-band bytes (read, write) or bytes erased
  uint32_t oob_len = 0;    // OOB bytes (read, write)
  uint32_t ooboffs = 0;
  OobMode mode = OobMode::kPlace;
  uint32_t fill = 0;       // write: payload pattern seed
  uint64_t us = 0;         // clock: microseconds to add
};

// The next op, or nullopt when `r` is exhausted.
std::optional<InterpOp> DecodeOp(ByteReader& r, const Geometry& g);

// The payload a write op programs: data bytes then OOB bytes from `fill`.
void FillPattern(uint32_t fill, std::span<uint8_t> out);

// One JSON object on one line, e.g. {"op":"write","addr":4096,"len":2048,
// "oob":0,"ooboffs":0,"mode":"place","fill":7}: the readable form of an op.
std::string OpToJson(const InterpOp& op);

// What one op gave back.
struct OpOutcome {
  absl::StatusCode code = absl::StatusCode::kOk;
  ReadReport report;  // reads that returned data
  bool bad = false;   // isbad
};

class OpInterpreter {
 public:
  struct Hooks {
    std::function<void()> power_on;           // null: power_on ops do nothing
    std::function<void(uint64_t)> advance_clock;  // null: clock ops do nothing
  };
  OpInterpreter(FlashDevice& device, Hooks hooks);

  OpOutcome Run(const InterpOp& op);

  // Buffers of the last read or write (data then OOB), valid until the next Run.
  std::span<const uint8_t> data() const { return {data_.data(), data_len_}; }
  std::span<const uint8_t> oob() const { return {oob_.data(), oob_len_}; }

 private:
  FlashDevice& device_;
  Hooks hooks_;
  std::vector<uint8_t> data_, oob_;
  size_t data_len_ = 0, oob_len_ = 0;
};

}  // namespace flashfault
