// Discovering and parsing results files; see result_loader.h.
#include "harness/report/result_loader.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/json_load.h"
#include "common/status_macros.h"

namespace flashfault::report {
namespace {

namespace fs = std::filesystem;

// Every results.json under `dir`, sorted by path. (A run's own folders --
// run/ with the guest's payload, vm/ with the rig's result.json, explore's
// recording/ -- hold none, so nothing needs skipping.)
absl::StatusOr<std::vector<fs::path>> FindResults(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return absl::NotFoundError(absl::StrCat(dir, ": no such directory"));
  if (!fs::is_directory(dir, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(
        dir, ": not a directory (give the --out directory of flashfault run, explore, fuzz or "
        "nightly)"));
  }
  std::vector<fs::path> found;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat(dir, ": cannot list: ", ec.message()));
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) return absl::InvalidArgumentError(absl::StrCat(dir, ": cannot list: ", ec.message()));
    if (it->path().filename() == "results.json" && it->is_regular_file()) found.push_back(it->path());
  }
  if (found.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        dir, ": holds no results.json (give the --out directory of flashfault run, explore, fuzz "
        "or nightly)"));
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

absl::StatusOr<ResultSet> LoadResults(const std::vector<std::string>& dirs) {
  ResultSet set;
  std::vector<fs::path> files, seen;
  for (const std::string& dir : dirs) {
    FF_ASSIGN_OR_RETURN(std::vector<fs::path> found, FindResults(dir));
    for (fs::path& p : found) {
      // The same directory given twice (or nested in another) counts once.
      const fs::path canonical = fs::weakly_canonical(p);
      if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) continue;
      seen.push_back(canonical);
      files.push_back(p);
    }
  }
  for (const fs::path& p : files) {
    const std::string file = p.string();
    FF_ASSIGN_OR_RETURN(const nlohmann::json doc, LoadJsonFile(file));
    if (!doc.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": $: expected an object"));
    }
    if (doc.contains("command")) {
      if (doc["command"] == "explore") {
        FF_ASSIGN_OR_RETURN(ExploreRecord e, ParseExploreRecord(file, doc));
        set.explorations.push_back(std::move(e));
      } else if (doc["command"] == "fuzz") {
        FF_ASSIGN_OR_RETURN(FuzzRecord f, ParseFuzzRecord(file, doc));
        set.fuzzings.push_back(std::move(f));
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            file, ": $.command: ", doc["command"].dump(), " is not a command whose results "
            "flashfault report reads (explore, fuzz; run results have \"scenario\")"));
      }
    } else if (doc.contains("scenario")) {
      FF_ASSIGN_OR_RETURN(ScenarioRecord s, ParseScenarioRecord(file, doc));
      set.scenarios.push_back(std::move(s));
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          file, ": $: neither a flashfault run result (no \"scenario\") nor an explore or fuzz "
          "result (no \"command\")"));
    }
  }
  return set;
}

}  // namespace flashfault::report
