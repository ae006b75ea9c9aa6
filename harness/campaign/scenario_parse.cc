// The shared pieces of scenario parsing; see scenario_parse.h.
#include "harness/campaign/scenario_parse.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "common/json_load.h"

namespace flashfault::campaign::scenario_parse {

using json = nlohmann::json;

std::string DirOf(const std::string& file) {
  const size_t slash = file.rfind('/');
  return slash == std::string::npos ? std::string(".") : file.substr(0, slash);
}

std::string Resolve(const std::string& file, const std::string& rel) {
  if (!rel.empty() && rel[0] == '/') return rel;
  return absl::StrCat(DirOf(file), "/", rel);
}

absl::Status CheckKeys(const Ctx& c, const json& j, absl::string_view path,
                       const std::vector<std::string>& allowed) {
  if (!j.is_object()) return c.Err(path, "expected an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      return c.Err(absl::StrCat(path, JsonPathMember(it.key())),
                   absl::StrCat("unknown key (allowed: ", absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GetString(const Ctx& c, const json& j, absl::string_view path) {
  if (!j.is_string()) return c.Err(path, "expected a string");
  return j.get<std::string>();
}

std::string Reroot(absl::string_view msg, absl::string_view at) {
  if (msg.substr(0, 1) == "$") return absl::StrCat(at, msg.substr(1));
  return absl::StrCat(at, ": ", msg);
}

}  // namespace flashfault::campaign::scenario_parse
