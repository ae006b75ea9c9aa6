// Scenarios: the JSON files `flashfault run` executes (format:
// corpora/scenarios/README.md, schema: corpora/schemas/scenario.schema.json).
//
// A scenario names a geometry, an initial image, a fault script, an in-guest
// workload and what must be true afterwards. This file parses and validates
// one into a Scenario (the fault script is checked against the geometry with
// the fault-script front end). It does no guest work and holds no run state:
// run_command.cc boots the guest, verdict.h judges the results.
//
// Errors are absl::InvalidArgumentError (bad scenario) or NotFoundError (file
// missing) with the message "FILE: $.json.path: reason", e.g.
//   "s.json: $.expect.ubi_bad_pebs: expected a number or a comparison like \">=1\"".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/image/flash_image.h"
#include "backends/model/geometry.h"
#include "fault-models/script/fault_script.h"
#include "harness/campaign/scenario_files.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign {

// A number compared with an expected value: 3 means "== 3", ">=1", "<5",
// "!=0", ">0" and so on.
struct Matcher {
  enum class Op { kEq, kNe, kGe, kGt, kLe, kLt };
  Op op = Op::kEq;
  int64_t value = 0;
  bool Matches(int64_t actual) const;
  std::string ToString() const;  // "== 3", ">= 1"
};

struct ImageSpec {
  // kErasedFile: erased like kEmpty, but kept in a file in the guest that
  // the server serves in place, so the flash outlives a killed server
  // (snippet.sh's ff_kill_server, ff_restart_server).
  enum class Kind { kEmpty, kNanddump, kRaw, kErasedFile };
  Kind kind = Kind::kEmpty;
  std::string path;  // kNanddump / kRaw: resolved against the scenario's folder
};

struct WorkloadSpec {
  std::string builtin;     // one of BuiltinWorkloads(), or empty
  std::string shell;       // a guest shell snippet (busybox ash), or empty
  std::string file_sizes;  // FF_FILE_SIZES override for the file writers, or empty
  std::string parts;       // cmdlinepart partitions for the server (--parts), or empty
};

// A crash state to start from (a reproducer of `flashfault explore`): the
// recorded run's event log, the state's id, and what the explore-check
// workload judges it with. Paths resolved against the scenario's folder.
struct CrashStateSpec {
  std::string events;        // the replayable event log (its payload beside it)
  std::string payload;       // that payload file
  std::string ops;           // the workload's op log
  std::string state;         // "op123", "op123.torn.s9"
  uint64_t cut = 0;          // the state's op: the oracle's cut
  std::string fs = "ubifs";  // ubifs | jffs2 | ubi (a bare volume)
  uint64_t baseline_free = 0;
  std::string slack;         // "" = the oracle's default
};

// A kernel-fuzzer finding to replay (a reproducer of `flashfault fuzz`):
// the fuzz agent runs the case in the guest exactly as it ran while
// fuzzing (fresh formatted part, the script's faults, the workload's ops,
// recovery check), and the fuzz-check workload fails when it fails.
struct FuzzCaseSpec {
  std::string fs = "ubifs";  // ubifs | jffs2 | ubi (a bare volume)
  std::string survivable;    // kinds declared survivable, comma-separated
  std::string case_json;     // {"script": ..., "workload": ...}, validated
};

struct Expectations {
  int exit = 0;  // the workload's exit status
  // Counts of harness/vm/classify-dmesg.sh (log_classifier.h). Every bug
  // kind (BugKinds(): oops, warning, ubi_assert, unattributed_trace, ...)
  // defaults to == 0 unless the scenario says otherwise; the error kinds
  // (ubi_errors, ...) are checked only when given.
  std::map<std::string, Matcher> kernel_log;
  std::optional<Matcher> ubi_bad_pebs;    // bad_peb_count at the workload's last report
  std::optional<Matcher> ubi_bad_grown;   // that count minus the one at the first report
  std::optional<Matcher> ubi_scrubbed;    // "scrubbed PEB" lines in the kernel log
  std::optional<Matcher> ubi_bitflips;    // "fixable bit-flip detected" lines
  std::optional<Matcher> ecc_errors;      // "(ECC error)" / EBADMSG lines
  std::optional<Matcher> files_verified;  // "verified N files", summed over the run
  std::optional<bool> mount_fails;        // did a mount fail
  std::map<std::string, Matcher> faults_fired;  // fault id -> times it fired
  std::vector<std::string> dmesg_contains, dmesg_lacks;          // ECMAScript regexes
  std::vector<std::string> guest_log_contains, guest_log_lacks;  // ECMAScript regexes
};

struct Scenario {
  std::string file;  // as given
  std::string name;
  std::string description;
  Geometry geometry;
  bool geometry_is_preset = true;
  FaultScript script;          // validated against `geometry`
  std::string script_source;   // the script's file, or "inline", or "none"
  std::optional<uint64_t> seed;  // the scenario's own seed, if any
  ImageSpec image;
  std::optional<CrashStateSpec> crash_state;  // instead of an image
  std::optional<FuzzCaseSpec> fuzz_case;      // with the fuzz-check workload
  WorkloadSpec workload;
  Expectations expect;
  uint32_t timeout_seconds = 300;
  // The server logs what each op touched on the flash (serve --decode), so
  // a workload can tell its story with `flashfault log --decode`.
  bool log_meanings = false;
  std::vector<std::string> kernel_args;  // added to the guest's boot (kernel_args.h allows them)
  std::vector<ShippedFile> files;         // shipped to $FF_FILES (scenario_files.h)
  // Initial erase counts (a part that starts worn), applied to the image
  // in order; with an empty image they imply "erased-file".
  std::vector<WearSetting> wear;
};

// The built-in workload names, e.g. "ubifs-write-verify".
const std::vector<std::string>& BuiltinWorkloads();

// The keys a scenario accepts at its top level (for the schema test).
const std::vector<std::string>& ScenarioTopKeys();
const std::vector<std::string>& ScenarioExpectKeys();

// Parses `j` (from `file`; relative paths inside resolve against its folder).
absl::StatusOr<Scenario> ParseScenario(const nlohmann::json& j, const std::string& file);
// Parses the text of FILE through the common JSON loader (repeated keys
// refused, line and column on a syntax error). Files the scenario names
// (script, image, crash state) are still opened relative to FILE.
absl::StatusOr<Scenario> ParseScenarioText(absl::string_view text, const std::string& file);
// Reads and parses FILE.
absl::StatusOr<Scenario> LoadScenarioFile(const std::string& file);

// The seed a run uses: `flag` (--seed) if given, else the scenario's, else the
// fault script's.
uint64_t EffectiveSeed(const Scenario& s, std::optional<uint64_t> flag);

}  // namespace flashfault::campaign
