// What `flashfault report` reads, as typed records: one per results file of
// `flashfault run` (a scenario) and of `flashfault explore` (an
// exploration, or one shard of it), with the device summary the server
// wrote beside it (harness/server/device_summary.h) when there is one.
//
// The parsers (scenario_record.cc, explore_record.cc, device_record.cc)
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

struct FindingRecord {
  std::string signature, signature_id, failed, words, smallest_state;
  std::vector<std::string> states;
  std::vector<std::string> kernel_log;
  std::string reproducer, replay;  // "" when none was written
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

struct ResultSet {
  std::vector<ScenarioRecord> scenarios;
  std::vector<ExploreRecord> explorations;
};

// Parsers, each reading one file (errors: InvalidArgument naming the file
// and the JSON path, NotFound for a file a results file names but that is
// missing).
absl::StatusOr<DeviceRecord> ParseDeviceRecord(const std::string& file);
absl::StatusOr<ScenarioRecord> ParseScenarioRecord(const std::string& file,
                                                   const nlohmann::json& results);
absl::StatusOr<ExploreRecord> ParseExploreRecord(const std::string& file,
                                                 const nlohmann::json& results);

}  // namespace flashfault::report
