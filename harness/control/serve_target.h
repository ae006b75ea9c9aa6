// ServeControlTarget: the ControlTarget of `flashfault serve`, over the
// NandModel being served and the session's statistics.
//
// Every call takes the server's request mutex (see locking_channel.h), so
// it sees and changes state between two requests only. What exists today
// is implemented: geometry, counters, erase counts, bad blocks, snapshots.
// The script, event log and power commands belong to the fault layer
// (fault-models/) and answer Unimplemented until it is wired in here: those
// five methods are the hooks, marked "HOOK(fault layer)" in serve_target.cc.
#pragma once

#include <mutex>

#include "backends/model/nand_model.h"
#include "harness/control/control_target.h"
#include "harness/muse/muse_session.h"

namespace flashfault::control {

// The session's counters as JSON (also useful to other reporters).
nlohmann::ordered_json SessionStatsJson(const muse::SessionStats& s);
nlohmann::ordered_json DeviceCountersJson(const DeviceCounters& c);

class ServeControlTarget final : public ControlTarget {
 public:
  // `mutex` is the one the session's LockingChannel holds per request;
  // `session_stats` is MuseSession::stats() of the served session. All
  // three must outlive this object.
  ServeControlTarget(NandModel& model, std::mutex& mutex, const muse::SessionStats& session_stats)
      : model_(model), mutex_(mutex), session_stats_(session_stats) {}

  absl::StatusOr<nlohmann::ordered_json> Geometry() override;
  absl::StatusOr<nlohmann::ordered_json> Stats() override;
  absl::StatusOr<std::vector<uint64_t>> EraseCounts() override;
  absl::StatusOr<std::vector<uint32_t>> BadBlocks() override;
  absl::StatusOr<std::string> Script() override;
  absl::Status ReplaceScript(absl::string_view json) override;
  absl::StatusOr<std::vector<std::string>> EventTail(size_t max_lines) override;
  absl::Status PowerCut() override;
  absl::Status PowerOn() override;
  absl::Status Snapshot(const std::string& path) override;

 private:
  NandModel& model_;
  std::mutex& mutex_;
  const muse::SessionStats& session_stats_;
};

}  // namespace flashfault::control
