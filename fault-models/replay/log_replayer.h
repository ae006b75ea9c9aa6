// LogReplayer: a replayable event log re-executed step by step, forward
// only. It owns a fresh RAM device of the logged geometry with the logged
// plan and seed (the cursor) and re-issues every logged op and control step
// with its payload, checking each logged state hash and op status on the
// way. ReplayLog() (replay_log.h) is one AdvanceThrough; crash states
// (crash_state.h) keep one cursor and visit the ops of a workload in
// order, so a run over thousands of states replays the log once.
//
// The log is read line by line (never whole), the payload by seeks. Must
// not: write anything, or change the cursor except by the logged steps.
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fault-models/fault_layer.h"
#include "nlohmann/json.hpp"

namespace flashfault {

// One op of a log, as crash-state selection needs it.
struct LoggedOp {
  uint64_t index = 0;
  std::string op;  // "read", "write", "erase", "isbad", "markbad", "sync"
};

class LogReplayer {
 public:
  // Reads the start line and builds the cursor. Errors:
  //   NotFound         log or payload file missing;
  //   InvalidArgument  not a replayable log ("LOG:LINE: reason").
  static absl::StatusOr<std::unique_ptr<LogReplayer>> Open(const std::string& log_path);

  // Every op record of the log, in order (one pass over the log; for
  // choosing crash states without replaying).
  static absl::StatusOr<std::vector<LoggedOp>> ScanOps(const std::string& log_path);

  // Re-executes every record up to and including op `until` (with the
  // control and hash lines logged before the next op). Forward only: a
  // smaller `until` than already reached does nothing. DataLoss when the
  // replay diverges from the log (a hash or op status differs).
  absl::Status AdvanceThrough(int64_t until);

  // Issues the next logged op (index next_op()) on `device` instead of the
  // cursor, which does not move: for tearing that op on a copy of the
  // cursor's part. Its status is whatever `device` answers (a torn op
  // fails). FailedPrecondition when the log has no further op, or a control
  // step comes before it.
  absl::StatusOr<absl::Status> IssueNextOpOn(FlashDevice& device);

  FaultLayer& cursor() { return *layer_; }
  std::unique_ptr<FaultLayer> TakeCursor() { return std::move(layer_); }
  // The index the next op record carries (op_count of the cursor).
  uint64_t next_op() const;
  int64_t last_op() const { return last_op_; }
  std::optional<int64_t> verified_at() const { return verified_at_; }
  bool log_ended() const { return ended_; }
  const std::string& path() const { return path_; }

 private:
  LogReplayer() = default;
  // Reads the next non-empty line into pending_ (ended_ at the end).
  absl::Status Peek();
  absl::Status Bad(absl::string_view why) const;
  // Re-issues op record `j` on `device`; its status code.
  absl::StatusOr<absl::StatusCode> IssueOp(const nlohmann::json& j, FlashDevice& device);
  absl::Status ApplyPending();

  std::string path_;
  std::ifstream in_;
  uint64_t lineno_ = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> payload_{nullptr, &std::fclose};
  std::string payload_name_;
  std::unique_ptr<FaultLayer> layer_;
  std::optional<nlohmann::json> pending_;  // the next record, read but not applied
  bool ended_ = false;
  int64_t last_op_ = -1;
  std::optional<int64_t> verified_at_;
  std::vector<uint8_t> data_, oob_;
};

}  // namespace flashfault
