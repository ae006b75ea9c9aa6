// The shared pieces of scenario parsing (scenario.cc, scenario_cases.cc):
// the error context that prefixes "FILE: $.path: ", key and string checks,
// relative paths, and the parsers of the parts a campaign's reproducer adds
// to a scenario (an exploration's crash_state, a fuzzer's fuzz_case).
// Internal to scenario parsing: callers use scenario.h.
// Must not: boot anything, write files, or accept a key it does not know.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/model/geometry.h"
#include "harness/campaign/scenario.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign::scenario_parse {

// Errors carry "FILE: $.path: reason".
struct Ctx {
  std::string file;
  absl::Status Err(absl::string_view path, absl::string_view reason) const {
    return absl::InvalidArgumentError(absl::StrCat(file, ": ", path, ": ", reason));
  }
};

// The folder of `file` ("." when it names none).
std::string DirOf(const std::string& file);
// `rel` relative to the folder of `file` (an absolute `rel` as it is).
std::string Resolve(const std::string& file, const std::string& rel);
// An object whose keys are all in `allowed`, else the first unknown one's path.
absl::Status CheckKeys(const Ctx& c, const nlohmann::json& j, absl::string_view path,
                       const std::vector<std::string>& allowed);
absl::StatusOr<std::string> GetString(const Ctx& c, const nlohmann::json& j, absl::string_view path);
// Re-roots an error of an inline part ("$.faults[0]...: why") under the
// scenario's key `at` ("$.script"); other messages get "AT: " in front.
std::string Reroot(absl::string_view msg, absl::string_view at);

// "crash_state": a state of `flashfault explore` to check (explore-check).
absl::Status ParseCrashState(const Ctx& c, const nlohmann::json& j, Scenario* s);
// The geometry a crash state's event log was recorded on.
absl::StatusOr<Geometry> CrashStateGeometry(const CrashStateSpec& cs);
// "fuzz_case": a case of `flashfault fuzz` to run again (fuzz-check); after
// the geometry is known.
absl::Status ParseFuzzCase(const Ctx& c, const nlohmann::json& j, Scenario* s);

}  // namespace flashfault::campaign::scenario_parse
