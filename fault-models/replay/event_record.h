// EventRecord: one line of an event log read into a typed record.
//
// JsonlEventSink (fault-models/event_sink.h, which documents the format)
// writes the log; this is its one reader. `flashfault replay`
// (replay_log.cc) and `flashfault log` (log_story.cc) both read every line
// through ParseEventRecord. It only parses: which records can be replayed,
// and how they read as a story, stays with those callers. A field absent
// from the line stays unset, so each caller keeps its own default for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace flashfault {

// One entry of an op's "m" (decoded meaning; event_sink.h). Keys absent
// from the entry stay unset / empty.
struct EventMeaning {
  std::string kind;  // decoders::PageKindName
  uint64_t pages = 1;  // a run of erased pages
  bool ec = false, vid = false, hdr_crc_bad = false, copy = false;
  std::optional<uint64_t> vol, lnum, sqnum, off;
  std::optional<std::string> name, area, cont, fm;
  std::vector<std::string> nodes;
  std::vector<uint64_t> inums;
  uint64_t bad_crc = 0;
};

// The record types of the "t" field.
enum class RecordType { kStart, kOp, kFault, kControl, kHash, kUnknown };

struct EventRecord {
  RecordType type = RecordType::kUnknown;
  std::string t;             // "t" as written ("" when it is not a string)
  std::optional<int64_t> i;  // the op index; -1 = at attach (fault), before op 0 (hash)

  // "start": the run.
  std::optional<uint64_t> seed;
  std::optional<std::string> geometry;  // the geometry's name
  std::vector<std::string> faults;      // the plan's fault ids
  std::optional<nlohmann::json> replay; // replayable logs: geometry, plan, payload, ...

  // "op": one operation.
  std::optional<std::string> op;  // "read", "write", "erase", "isbad", "markbad", "sync"
  std::optional<uint64_t> addr, len, oob;
  std::optional<std::string> mode;  // "place", "auto", "raw"
  std::optional<uint32_t> ooboffs;
  std::optional<std::string> status;  // StatusCodeLogName
  std::optional<uint64_t> bf, corr, fail;  // reads: max bitflips, corrected, failed steps
  std::optional<bool> scrub;               // reads
  std::optional<bool> bad;                 // isbad: the answer
  std::optional<uint64_t> data, oobd;      // replayable writes: payload offsets
  std::vector<EventMeaning> meanings;      // decoding layers: per page (block) of the op

  // "fault": one injected fault ("id" also names a control step's fault or cutter).
  std::optional<std::string> id, kind, effect;
  std::optional<int64_t> block, page;
  std::vector<uint64_t> bits;
  std::optional<uint64_t> draw;
  std::optional<uint64_t> fire;  // FaultRecord::fire (absent in logs written before it)

  // "ctl": a change between ops.
  std::optional<std::string> what;  // "do": power_on, power_off, clock, arm
  std::optional<uint64_t> us;

  // "hash": the state hash after op i.
  std::optional<std::string> state;
};

// The message of a line that is not a JSON object with a "t" field.
inline constexpr char kNotALogRecord[] = "not a log record";

// Reads one line. InvalidArgument with kNotALogRecord, or naming the field
// whose JSON type is wrong ("\"addr\" is not a number").
absl::StatusOr<EventRecord> ParseEventRecord(std::string_view line);

}  // namespace flashfault
