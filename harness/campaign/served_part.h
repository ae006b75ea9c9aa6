// A part the guest-side agents (explore-agent, fuzz-agent) serve to the
// kernel themselves: a Server on /dev/muse over a layer they keep, run in a
// thread of the agent, and the MTD it presents. One state or one input per
// ServedPart; the layer (and its part) outlives it.
// Must not: judge anything, or own the layer.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "harness/server/server.h"

namespace flashfault::campaign {

class ServedPart {
 public:
  // Serves `layer` as an MTD named `name` through `muse_device`, silently.
  // `initial_state` fills the part first (see ServedDeviceOptions); `adjust`
  // may set more options (a fault stream). Waits up to 20 s for the MTD.
  static absl::StatusOr<std::unique_ptr<ServedPart>> Start(
      FaultLayer* layer, const std::string& muse_device, const std::string& name,
      std::function<absl::Status(FaultLayer&, const FaultPlan&)> initial_state = nullptr,
      const std::function<void(server::ServerOptions&)>& adjust = nullptr);
  ~ServedPart();
  ServedPart(const ServedPart&) = delete;
  ServedPart& operator=(const ServedPart&) = delete;

  int mtd() const { return mtd_; }  // -1 when it did not appear in time
  server::Server& server() { return *server_; }
  // Stops serving (the request in hand is finished), closes /dev/muse and
  // waits until the MTD is gone, so the next part's name is not taken by
  // it; the server's own status (Unavailable when the MTD stays). Idempotent.
  absl::Status Stop();

 private:
  explicit ServedPart(std::unique_ptr<server::Server> s) : server_(std::move(s)) {}
  std::unique_ptr<server::Server> server_;
  std::thread serving_;
  absl::Status served_;
  int mtd_ = -1;
  std::string name_;
};

}  // namespace flashfault::campaign
