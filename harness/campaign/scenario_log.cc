// One scenario's kernel-log slice, classified (see scenario_log.h).
// Must not: hide a loss -- a slice with dropped records is always reported.
#include "harness/campaign/scenario_log.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "harness/campaign/guest_script.h"

namespace flashfault::campaign {

absl::StatusOr<ScenarioKernelLog> ScenarioLog(const KernelLog& log, size_t index,
                                              const std::string& classifier) {
  ScenarioKernelLog l;
  l.slice = GuestSliceName(index);
  l.records = Slice(log, l.slice);
  l.dmesg = RenderDmesg(l.records.records);
  FF_ASSIGN_OR_RETURN(l.classification, ClassifyText(l.dmesg, classifier));
  return l;
}

std::string KernelLogProblem(const ScenarioKernelLog& l) {
  if (l.records.dropped > 0) {
    return absl::StrCat(l.records.dropped, " kernel log records of this scenario were lost before the "
                        "stream carried them out (see kmsg.log); its verdict cannot rest on the rest");
  }
  if (!l.records.found) return absl::StrCat("the kernel log has no begin record of slice ", l.slice);
  return "";
}

nlohmann::ordered_json ScenarioLogToJson(const ScenarioKernelLog& l, const std::string& dmesg_file) {
  nlohmann::ordered_json j = {{"slice", l.slice},
                              {"found", l.records.found},
                              {"complete", l.records.complete},
                              {"records", l.records.records.size()},
                              {"dropped", l.records.dropped},
                              {"dmesg", dmesg_file}};
  nlohmann::ordered_json first = nlohmann::ordered_json::object();
  for (const auto& [kind, sig] : l.classification.first) {
    first[kind] = {{"line", sig.line}, {"trace", sig.trace}};
  }
  j["first"] = first;
  return j;
}

}  // namespace flashfault::campaign
