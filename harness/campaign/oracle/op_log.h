// The op log: what `flashfault workload exec` (or a shell workload through
// `flashfault workload log-op`) did, one JSON line per op, and nothing about
// what it means after a crash (crash_rules.h decides that).
//
// Format (JSON Lines, described in corpora/workloads/README.md):
//   line 1, header: {"flashfault_op_log": 1, "workload": NAME,
//                    "oracle_assume_durable": [PATH...]}
//   then per op:    {"index": I, "op": KIND, "args": {...}, "ret": R, "errno": E,
//                    "flash_before": B, "flash_after": A}
// ret is the syscall's result (bytes for write/append, 0 otherwise; -1 on
// failure), errno 0 on success. flash_before/flash_after are the flash
// server's op counter (`faults.ops` of its stats.json: the number of flash ops
// done so far) read right before the syscall and right after it returned;
// both are absent when the executor had no control directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "harness/campaign/oracle/workload.h"
#include "nlohmann/json.hpp"

namespace flashfault::oracle {

inline constexpr int kOpLogVersion = 1;

struct LogRecord {
  uint64_t index = 0;
  Op op;
  int64_t ret = 0;
  int err = 0;  // errno; 0 when the op succeeded
  std::optional<uint64_t> flash_before, flash_after;
  bool ok() const { return err == 0 && ret >= 0; }
};

struct OpLog {
  std::string workload;
  std::vector<std::string> oracle_assume_durable;
  std::vector<LogRecord> records;
};

nlohmann::ordered_json LogHeaderJson(const Workload& w);
nlohmann::ordered_json LogRecordJson(const LogRecord& r);

// Parses a whole log. Records must be numbered 0, 1, 2... in order; a line
// that is not a record, a missing header or a gap is an InvalidArgumentError
// naming the file and line ("ops.jsonl:3: ...").
absl::StatusOr<OpLog> ParseOpLog(absl::string_view text, absl::string_view source);
absl::StatusOr<OpLog> LoadOpLog(const std::string& path);

}  // namespace flashfault::oracle
