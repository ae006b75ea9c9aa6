// JSON fault scripts: the user-written form of a FaultPlan.
//
// A script names its geometry, a seed, an optional partition table and a list
// of faults (format: corpora/scripts/README.md, schema:
// corpora/schemas/fault-script.schema.json). This front end turns a script
// into a FaultPlan checked against a Geometry, writes a plan back as a script,
// and explains a plan in plain words. It only describes faults: it never
// injects them and holds no runtime state. Kinds, parameters and their
// spellings come from fault-models/fault_spec.h; nothing here invents one.
//
// Errors are absl::InvalidArgumentError (bad script) or NotFoundError (file
// missing) whose message is "FILE: $.json.path: reason" ("FILE: " only when a
// file name is known), e.g.
//   "s.json: $.faults[2].when.probability: must be in [0, 1], got 1.5".
// All functions are thread-compatible and do no I/O unless they say so.
#pragma once

#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/model/geometry.h"
#include "fault-models/fault_spec.h"
#include "nlohmann/json.hpp"

namespace flashfault {

// A script after loading: its plan and the geometry it was checked against.
struct FaultScript {
  Geometry geometry;
  FaultPlan plan;
};

// Parses and validates a script held in `j`. The geometry is `override` when
// given (--preset / --geometry), else the script's "geometry" key; with
// neither the script is rejected. On success the plan has passed
// ValidatePlan() and every Where::partition is resolved to Where::blocks.
absl::StatusOr<FaultScript> ParseScript(const nlohmann::json& j,
                                        const Geometry* override = nullptr);
// The same from JSON text; `file` only prefixes error messages (may be empty).
// Rejects text that is not JSON and objects with a repeated key.
absl::StatusOr<FaultScript> ParseScriptText(absl::string_view text, absl::string_view file,
                                            const Geometry* override = nullptr);
// Reads FILE (the only function here that does I/O) and parses it.
absl::StatusOr<FaultScript> LoadScriptFile(const std::string& path,
                                           const Geometry* override = nullptr);

// The plan of a script against a fixed geometry; any "geometry" key in `j` is
// ignored. ParsePlan(PlanToJson(p), g) == p for every p that passes
// ValidatePlan(p, g).
absl::StatusOr<FaultPlan> ParsePlan(const nlohmann::json& j, const Geometry& g);

// The semantic checks on a plan, whatever produced it (script, fuzzer, ctl):
// addresses inside the geometry, contradictory triggers, parameters in range,
// unique ids, partitions inside the device and not overlapping, every
// Where::partition defined and its blocks inside it. Errors carry the JSON
// path the offending field has in a script ("$.faults[1].where.bits: ...").
absl::Status ValidatePlan(const FaultPlan& plan, const Geometry& g);

// An equivalent script. Only values that differ from the defaults are written,
// in a fixed key order. With `geometry`, a "geometry" key is written too: the
// preset name when it equals that preset, else the inline object.
nlohmann::ordered_json PlanToJson(const FaultPlan& plan, const Geometry* geometry = nullptr);

// One line per fault (and a header line), saying what will happen, e.g.
//   fault 'weak-block' (charge_loss): 3 bitflips in block 17 pages 0-63,
//   on the 2nd read that matches, at most once
// REQUIRES: ValidatePlan(plan, g) succeeded.
std::string ExplainPlan(const FaultPlan& plan, const Geometry& g);
// The explanation of one fault, without the header.
std::string ExplainFault(const FaultSpec& fault, const FaultPlan& plan, const Geometry& g);

// The keys the parser accepts at each level, for tests that hold the JSON
// Schema to the parser.
std::span<const absl::string_view> ScriptTopKeys();
std::span<const absl::string_view> ScriptFaultKeys();
std::span<const absl::string_view> ScriptWhereKeys();
std::span<const absl::string_view> ScriptWhenKeys();
std::span<const absl::string_view> ScriptPartitionKeys();

}  // namespace flashfault
