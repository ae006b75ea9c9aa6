// What `flashfault report` reads, as typed records: one per results file of
// `flashfault run` (a scenario), of `flashfault explore` (an exploration,
// or one shard of it) and of `flashfault fuzz` (a kernel fault fuzzing
// campaign), with the device summary the server wrote beside it
// (harness/server/device_summary.h) when there is one.
//
// The parsers (scenario_record.cc, explore_record.cc, fuzz_record.cc,
// device_record.cc)
// fill these from the files; everything after them (merge.h, the writers)
// works on these types only. Must not: hold anything the files do not say.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "decoders/image_map.h"
#include "nlohmann/json.hpp"

namespace flashfault::report {

// A server's device summary (device.json).
struct DeviceRecord {
  std::string file;
  std::string geometry;  // its name
  uint32_t block_count = 0;
  uint64_t ops = 0;
  std::vector<uint64_t> erase_counts;  // one per block
  std::vector<uint32_t> bad_at_start, grown_bad;
  uint64_t bin_width = 1;
  size_t bins = 0;
  std::map<std::string, std::vector<uint64_t>> op_bins;     // "read", ..., "failed"
  std::map<std::string, std::vector<uint64_t>> fault_bins;  // fault kind -> per bin
  std::map<uint32_t, uint64_t> faults_per_block;
};

struct CheckRecord {
  std::string name, expected, actual;
  bool pass = false;
};

// One results.json of `flashfault run`.
struct ScenarioRecord {
  std::string file;  // the results.json
  std::filesystem::path dir;
  std::string scenario, scenario_file, description, geometry, workload;
  uint64_t seed = 0;
  std::string reproduce;
  std::string started_at;  // "" in results older than the field
  std::string verdict;     // "pass", "fail" or "error"
  std::string error;       // for "error"
  double wall_seconds = 0;
  std::vector<CheckRecord> checks;
  std::map<std::string, uint64_t> faults_fired;  // fault id -> times
  std::string first_fail;                        // the guest's first FAIL line
  std::vector<std::string> kernel_excerpt;       // the lines a reader needs first
  std::optional<DeviceRecord> device;
  // The decoded initial image, when the scenario imported one (run/image.img).
  std::optional<decoders::ImageMap> image_map;
  std::string image_file;
};

// One crash state of an exploration (states.jsonl).
struct StateRecord {
  std::string id;
  bool failed = false;
  std::string signature;       // failing states only
  std::optional<double> at_s;  // seconds into the checks when it was done
  double ms = 0;               // its own time, summed over its steps
};

// What every finding says, found by exploration or by fuzzing.
struct FindingCommon {
  std::string signature, signature_id, failed, words;
  std::vector<std::string> kernel_log;
  std::string reproducer, replay;  // "" when none was written
};

// A finding of an exploration: the failing crash states with its signature.
struct FindingRecord : FindingCommon {
  std::string smallest_state;
  std::vector<std::string> states;
};

// One results.json of `flashfault explore` (an exploration or a shard).
struct ExploreRecord {
  std::string file;
  std::filesystem::path dir;
  std::string workload, fs, geometry, mode, inside, shard;
  uint64_t seed = 0;
  std::string reproduce, started_at, verdict, error;
  uint64_t states_checked = 0, states_failed = 0;
  double states_per_minute = 0, wall_seconds = 0;
  bool budget_ran_out = false;
  std::vector<FindingRecord> findings;
  std::vector<StateRecord> states;  // from states.jsonl; empty when it is absent
  std::optional<DeviceRecord> device;
};

// A finding of a fuzzing campaign (fuzz_run.h's FuzzFinding as written).
struct FuzzFindingRecord : FindingCommon {
  bool known = false;  // its signature was already kept in the reproducer corpus
  double first_seen_s = 0;  // into the campaign
  uint64_t inputs = 0;      // failing inputs kept for it
};

// Coverage over time, one point per execution of one fuzzing process.
struct CoveragePoint {
  double t = 0;  // seconds into the campaign
  uint64_t edges = 0, features = 0;
};

// One results.json of `flashfault fuzz`.
struct FuzzRecord {
  std::string file;
  std::filesystem::path dir;
  std::string fs, preset, workload, feedback;
  uint64_t seed = 0, jobs = 1, budget_seconds = 0;
  std::string reproduce, started_at, error;
  double wall_seconds = 0;
  uint64_t executions = 0, executions_with_workload = 0, kcov_edges = 0, features = 0;
  double per_minute = 0;  // the guests' rates between their first and last input, summed
  std::map<std::string, double> mean_ms_per_step;
  std::vector<std::vector<CoveragePoint>> curves;  // one per fuzzing process
  std::vector<std::string> kernels;                // what each process's guest ran
  bool kcov = false;                               // any guest had KCOV
  std::vector<FuzzFindingRecord> findings;
};

struct ResultSet {
  std::vector<ScenarioRecord> scenarios;
  std::vector<ExploreRecord> explorations;
  std::vector<FuzzRecord> fuzzings;
};

// Parsers, each reading one file (errors: InvalidArgument naming the file
// and the JSON path, NotFound for a file a results file names but that is
// missing).
absl::StatusOr<DeviceRecord> ParseDeviceRecord(const std::string& file);
absl::StatusOr<ScenarioRecord> ParseScenarioRecord(const std::string& file,
                                                   const nlohmann::json& results);
absl::StatusOr<ExploreRecord> ParseExploreRecord(const std::string& file,
                                                 const nlohmann::json& results);
absl::StatusOr<FuzzRecord> ParseFuzzRecord(const std::string& file, const nlohmann::json& results);
// The FindingCommon fields of findings[i] (explore_record.cc).
class JsonField;
absl::Status ReadFindingCommon(const JsonField& f, FindingCommon& r);

}  // namespace flashfault::report
