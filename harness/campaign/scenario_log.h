// One scenario's share of a run's kernel log: the records of its slice
// (GuestSliceName(index) in the streamed kmsg.log), as dmesg text and
// classified by the one classifier, and what the results must say about it
// (records lost => the verdict is a rig error, never a pass).
// Must not: judge expectations (verdict.h does) or write files.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "harness/campaign/kernel_log.h"
#include "harness/campaign/log_classifier.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign {

struct ScenarioKernelLog {
  std::string slice;              // "scenario.0"
  LogSlice records;               // found, complete, dropped, the records
  std::string dmesg;              // the records as dmesg text
  Classification classification;  // of `dmesg`
};

// Cuts and classifies scenario `index`'s slice of `log` with `classifier`
// (the path of harness/vm/classify-dmesg.sh). Errors: the classifier's.
absl::StatusOr<ScenarioKernelLog> ScenarioLog(const KernelLog& log, size_t index,
                                              const std::string& classifier);

// Why the slice cannot be trusted, or "" when it can: its records were lost,
// or its begin marker never arrived although the guest reached it.
std::string KernelLogProblem(const ScenarioKernelLog& l);

// results.json's "kernel_log": the slice's name, records, dropped, complete,
// the file its text is in (`dmesg_file`), and each kind's first line with
// its trace.
nlohmann::ordered_json ScenarioLogToJson(const ScenarioKernelLog& l, const std::string& dmesg_file);

}  // namespace flashfault::campaign
