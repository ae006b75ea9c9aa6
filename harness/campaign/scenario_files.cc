// Checking a scenario's "files" (see scenario_files.h).
#include "harness/campaign/scenario_files.h"

#include <filesystem>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/json_load.h"

namespace flashfault::campaign {
namespace {

namespace fs = std::filesystem;

absl::Status Err(size_t i, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("$.files[", i, "]: ", reason));
}

// Letters, digits and ._+- per component, '/' between: safe unquoted in
// the guest's shell and in make-payload.sh's HOST:GUEST pairs.
bool PlainPath(const std::string& p) {
  for (char ch : p) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '+' ||
                    ch == '-' || ch == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<ShippedFile>> CheckShippedFiles(const nlohmann::json& j,
                                                           const std::string& scenario_dir) {
  if (!j.is_array()) {
    return absl::InvalidArgumentError("$.files: expected an array of paths relative to the "
                                      "scenario's folder");
  }
  std::vector<ShippedFile> out;
  std::set<std::string> seen;
  uint64_t total = 0;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) return Err(i, "expected a path (a string)");
    const std::string listed = j[i].get<std::string>();
    if (listed.empty()) return Err(i, "must not be empty");
    if (!PlainPath(listed)) {
      return Err(i, absl::StrCat("\"", QuoteExcerpt(listed),
                                 "\": use letters, digits, '.', '_', '+', '-' and '/' only"));
    }
    const fs::path rel = fs::path(listed).lexically_normal();
    if (rel.is_absolute() || rel.empty() || *rel.begin() == ".." || rel == ".") {
      return Err(i, absl::StrCat("\"", listed, "\" must be a path inside the scenario's folder"));
    }
    if (!seen.insert(rel.string()).second) {
      return Err(i, absl::StrCat("\"", listed, "\" is listed twice"));
    }
    const fs::path host = fs::path(scenario_dir) / rel;
    std::error_code ec;
    const fs::file_status st = fs::status(host, ec);
    if (ec || !fs::exists(st)) return Err(i, absl::StrCat("cannot read ", host.string()));
    if (fs::is_directory(st)) {
      return Err(i, absl::StrCat(host.string(), " is a directory; list the files in it"));
    }
    if (!fs::is_regular_file(st)) return Err(i, absl::StrCat(host.string(), " is not a regular file"));
    total += fs::file_size(host, ec);
    if (total > kShippedFilesMaxBytes) {
      return Err(i, absl::StrCat("the files add up to more than ", kShippedFilesMaxBytes >> 20,
                                 " MiB, which the guest would have to hold in RAM"));
    }
    out.push_back({host.string(), rel.string()});
  }
  return out;
}

}  // namespace flashfault::campaign
