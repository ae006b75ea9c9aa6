// ServeControlTarget: the ControlTarget of `flashfault serve`, over the
// device being served (fault layer, model, event log; see
// harness/server/served_device.h) and the session's statistics.
//
// Every call that touches the device takes the server's request mutex (see
// locking_channel.h), so it sees and changes state between two requests
// only. Parsing a new script happens before the lock is taken, so a slow or
// huge script never stalls the kernel's requests.
#pragma once

#include <mutex>

#include "backends/model/nand_model.h"
#include "harness/server/served_device.h"
#include "harness/control/control_target.h"
#include "harness/muse/muse_session.h"

namespace flashfault::server {

// The session's counters as JSON (also useful to other reporters).
nlohmann::ordered_json SessionStatsJson(const muse::SessionStats& s);
nlohmann::ordered_json DeviceCountersJson(const DeviceCounters& c);
nlohmann::ordered_json DirectReadsJson(const DirectReads::Counters& c);

class ServeControlTarget final : public control::ControlTarget {
 public:
  // `mutex` is the one the session's LockingChannel holds per request;
  // `session_stats` is MuseSession::stats() of the served session. All
  // three must outlive this object.
  ServeControlTarget(ServedDevice& device, std::mutex& mutex,
                     const muse::SessionStats& session_stats)
      : device_(device), model_(device.layer->model()), mutex_(mutex),
        session_stats_(session_stats) {}

  absl::StatusOr<nlohmann::ordered_json> Geometry() override;
  absl::StatusOr<nlohmann::ordered_json> Stats() override;
  absl::StatusOr<std::vector<uint64_t>> EraseCounts() override;
  absl::StatusOr<std::vector<uint32_t>> BadBlocks() override;
  absl::StatusOr<DeviceMap> MapByMeaning() override;
  absl::StatusOr<std::string> Script() override;
  absl::Status ReplaceScript(absl::string_view json) override;
  absl::StatusOr<std::vector<std::string>> EventTail(size_t max_lines) override;
  absl::Status PowerCut() override;
  absl::Status PowerOn() override;
  absl::Status Snapshot(const std::string& path) override;

 private:
  // Per-fault counters and the power state. REQUIRES: mutex_ held.
  nlohmann::ordered_json FaultsJson() const;
  // After a change outside an op (plan, power). REQUIRES: mutex_ held.
  void RefreshDirectReads();

  ServedDevice& device_;
  NandModel& model_;
  std::mutex& mutex_;
  const muse::SessionStats& session_stats_;
};

}  // namespace flashfault::server
