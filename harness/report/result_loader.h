// Finding and reading the results `flashfault report` merges: every
// results.json under the directories it is given (a `run` directory, a
// batch of them, an `explore` or `fuzz` directory, a nightly's tree of
// shards), each
// parsed by its kind (records.h).
//
// Must not: write anything, or skip a file it cannot read: a results file
// that is malformed is the user's problem to see (InvalidArgument naming
// the file and JSON path), never a silently shorter report.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/report/records.h"

namespace flashfault::report {

// Walks each of `dirs` (sorted, so the order never depends on the file
// system) for files named results.json; a results file of `run` has
// "scenario", one of `explore` has "command": "explore", one of `fuzz`
// "command": "fuzz". Errors: a
// directory that is missing or holds no results file (NotFound /
// InvalidArgument naming it), a file of neither kind or malformed
// (InvalidArgument naming the file and JSON path).
absl::StatusOr<ResultSet> LoadResults(const std::vector<std::string>& dirs);

}  // namespace flashfault::report
