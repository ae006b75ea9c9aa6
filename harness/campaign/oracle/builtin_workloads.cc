// Looking up built-in workloads (see builtin_workloads.h). Holds no workload
// itself: the files in corpora/workloads/ are the only copy.
#include "harness/campaign/oracle/builtin_workloads.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/campaign/oracle/mix_generator.h"

namespace flashfault::oracle {

std::vector<std::string> BuiltinWorkloadNames() {
  std::vector<std::string> names = {"mix"};
  for (const auto& [name, text] : EmbeddedWorkloads()) names.emplace_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<Workload> LoadBuiltinWorkload(absl::string_view name, uint64_t seed, uint64_t length) {
  if (name == "mix") return GenerateMix(seed, length == 0 ? kDefaultMixLength : length);
  for (const auto& [file, text] : EmbeddedWorkloads()) {
    if (file == name) return ParseWorkloadText(text, absl::StrCat("corpora/workloads/", file, ".json"));
  }
  return absl::NotFoundError(absl::StrCat("no built-in workload \"", name, "\" (built in: ",
                                          absl::StrJoin(BuiltinWorkloadNames(), ", "), ")"));
}

}  // namespace flashfault::oracle
