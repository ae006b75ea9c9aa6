// One `flashfault explore` run on the host: record the workload and check
// its crash states in one guest boot, then collect what the guest found.
//
// The guest script (ExploreGuestScript) loads the module, serves a fresh
// part with a replayable event log and a control directory, makes the file
// system (ex_format), runs `flashfault workload exec` with the op counter,
// unmounts, stops the server, then runs `flashfault explore-agent` over the
// recording, unloads the file-system modules (leaks show there) and sends
// the recording to the host (ff_export). The host then groups the failing
// states (findings.h), writes reproducers and results.json.
// Must not: print results (only progress on stderr) or judge a state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/campaign/crash_states.h"
#include "harness/campaign/explore/findings.h"
#include "harness/campaign/rig.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign {

struct ExploreOptions {
  std::string workload_file;    // a workload JSON staged for the guest (required),
  bool workload_is_shell = false;  // or a shell workload (it logs its own ops, if any)
  std::string workload_name;    // for reports
  std::string fs = "ubifs";
  std::string preset = "slc-2k-64m";
  std::string mode = "exhaustive", inside = "none", shard = "1/1";
  uint64_t seed = 1;
  uint64_t budget_seconds = 0;  // 0: none
  std::string slack;            // "" = the oracle's default
  std::filesystem::path out;    // results directory
  std::string reproduce;        // the one-line command, stored in results.json
  // The bench (--vs-nandsim): nandsim's module arguments for the same part
  // (NandsimModuleArgs); the boundary states are then checked again on it.
  std::string nandsim_args;
};

struct ExploreOutcome {
  std::vector<nlohmann::json> states;  // the agent's full state records (its short
                                       // console lines if those did not come back)
  nlohmann::json summary;              // FFEXPLORE summary
  nlohmann::json recorded;             // FFEXPLORE recorded (window, baseline)
  std::vector<Finding> findings;
  std::vector<std::string> teardown_bugs;  // the classifier's lines after unloading the modules
  nlohmann::ordered_json vs_nandsim;   // CompareWithNandsim, with --vs-nandsim
  nlohmann::ordered_json results;      // what results.json holds
  int exit_code = 0;                   // 0 nothing found, 3 findings, 1 rig error
  std::string error;
};

// The guest script for `o` (exposed for tests).
std::string ExploreGuestScript(const ExploreOptions& o);

// Runs the exploration; a rig failure is a status (results.json then holds
// the error), a finding is data.
absl::StatusOr<ExploreOutcome> RunExplore(const RigPaths& rig, const ExploreOptions& o);

}  // namespace flashfault::campaign
