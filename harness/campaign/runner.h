// Runner: many scenario jobs in one guest boot, results as data. It stages
// each job's payload (fault script, geometry, imported image), writes the
// guest script (guest_script.h), boots harness/vm/run-guest.sh once (with
// the jobs' kernel_args), then judges every job from its own share of the
// output (verdict.h) and of the streamed kernel log (scenario_log.h: its
// slice, classified; records lost make the job an error), and writes
// JOB.out/results.json, JOB.out/dmesg.log (its slice) and JOB.out/device.json
// (its server's device summary, harness/server/device_summary.h, when the
// guest sent it back) atomically.
//
// `flashfault run` is flags and printing over this; explore, fuzz and
// nightly reuse it. Must not: print results (only progress on stderr), or
// write outside the jobs' and the batch's directories.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/campaign/rig.h"
#include "harness/campaign/scenario.h"
#include "harness/campaign/verdict.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign {

struct ScenarioJob {
  Scenario scenario;
  uint64_t seed = 0;
  std::filesystem::path out;  // results.json and run/ (its payload)
  std::string reproduce;      // the one-line command that replays it alone
};

// What one job came to. verdict: "pass", "fail" (an expectation failed) or
// "error" (the rig or guest failed before the job could be judged).
struct JobOutcome {
  std::string verdict;
  int exit_code = 0;   // 0 pass, 3 fail, 1 error (the CLI's conventions)
  std::string error;   // why, for "error"
  Observations observed;
  std::vector<Check> checks;  // server_stopped_cleanly first
  size_t passed = 0;
  nlohmann::ordered_json kernel_log;  // its slice of the kernel log (ScenarioLogToJson), or null
  nlohmann::ordered_json results;  // what results.json holds
};

struct BatchOutcome {
  std::filesystem::path vm_dir;  // the rig's logs (guest.log, dmesg.log, result.json)
  std::vector<JobOutcome> jobs;  // one per job, in order
  int exit_code = 0;             // the worst: error over fail over pass
};

// results.json as it starts, before the guest runs: scenario, seed, the
// reproduce command, the faults explained.
nlohmann::ordered_json StartResults(const ScenarioJob& job);

// OK when `jobs` can share one boot: the same kernel_args. InvalidArgument
// naming the first two scenarios that differ otherwise.
absl::Status CheckOneBoot(std::span<const ScenarioJob> jobs);

// Runs `jobs` in one boot (CheckOneBoot must hold). `rig_dir` holds the batch's guest script (run/)
// and the rig's logs (vm/). A rig failure (no repository, no module, a
// payload that cannot be staged, a guest that never reported) is a status;
// the caller then records every job as an error (RecordRigError).
absl::StatusOr<BatchOutcome> RunScenarioBatch(const RigPaths& rig, std::span<const ScenarioJob> jobs,
                                              const std::filesystem::path& rig_dir);

// Records `why` as every job's error verdict in its results.json.
std::vector<JobOutcome> RecordRigError(std::span<const ScenarioJob> jobs, const std::string& why,
                                       double wall_seconds);

}  // namespace flashfault::campaign
