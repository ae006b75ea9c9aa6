// Findings of an exploration: the failing crash states grouped by
// signature (signature.h), the smallest state of each group kept, and
// everything written down: a reproducer scenario per finding that
// `flashfault run` replays with exit 3, and results.json.
//
// The grouping and the results format are shared by every campaign that
// reports crash states (explore now; nightly reads results.json). Must not:
// run the guest or decide what failed (the agent's state lines say).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign {

struct Finding {
  std::string signature;           // Signature::Text()
  std::string signature_id;        // Signature::Id()
  std::string failed;              // the failing check of the smallest state
  nlohmann::json smallest;         // its FFSTATE line
  std::vector<std::string> states; // every state id with this signature, in order
  std::string reproducer;          // the scenario file, once written
  std::string replay;              // the command that replays it, once written
};

// Groups the agent's state lines ("result": "fail" ones) by signature,
// keeping the smallest state (lowest op; a boundary before a torn, before
// an unstable one). Ordered by first appearance.
std::vector<Finding> GroupFindings(const std::vector<nlohmann::json>& states);

// What a reproducer needs besides the state: where the recording is, and
// how the state is judged.
struct ReproducerContext {
  std::filesystem::path recording;  // holds events.jsonl(.data) and ops.jsonl
  std::string fs;                   // ubifs | jffs2
  std::string workload;             // its name, for the description
  uint64_t baseline_free = 0;
  std::string slack;                // "" = the oracle's default
  std::string kernel;               // the guest kernel's ABI when not the default
};

// Writes DIR/reproducers/<signature id>/scenario.json (with copies of the
// recording beside it, so the folder stands alone) for each finding, and
// sets Finding::reproducer and ::replay (on the same kernel). Written through temporary names and renames.
absl::Status WriteReproducers(const std::filesystem::path& dir, const ReproducerContext& ctx,
                              std::vector<Finding>& findings);

// The finding as results.json lists it: signature, complaint in words, the
// kernel-log excerpt, states, reproducer and the command that replays it.
nlohmann::ordered_json FindingJson(const Finding& f);

// A sentence a person can act on: what failed and what the kernel said.
std::string FindingWords(const Finding& f);

}  // namespace flashfault::campaign
