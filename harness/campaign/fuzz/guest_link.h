// The host's end of the kernel fuzzer's channel: boots one guest running
// `flashfault fuzz-agent` (harness/vm/run-guest.sh --channel), connects to
// its port, and sends inputs and cases one at a time.
//
// Used by the libFuzzer target (fuzz/kernel_fuzzer.cc: one link per fuzzing
// process) and by `flashfault fuzz` when it minimises and replays findings.
// A guest that dies or stops answering (a panic, a hang) is reported as
// Unavailable / DeadlineExceeded with the console's last lines; Restart()
// boots a new one. Must not: judge results (the agent and the campaign do).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/campaign/fuzz/fuzz_wire.h"
#include "harness/campaign/rig.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign::fuzz {

struct LinkOptions {
  std::string fs = "ubifs";
  std::string preset = "slc-2k-16m";
  std::string workload = "mix";
  std::string survivable;  // comma-separated fault kinds declared survivable
  bool kcov = true;
  std::filesystem::path dir;  // the guest's files: guest.sh, channel.sock, vm/
  int exec_timeout_s = 120;   // one input; past it the guest counts as hung
};

class GuestLink {
 public:
  GuestLink(RigPaths rig, LinkOptions o) : rig_(std::move(rig)), o_(std::move(o)) {}
  ~GuestLink();
  GuestLink(const GuestLink&) = delete;
  GuestLink& operator=(const GuestLink&) = delete;

  // Boots the guest and waits for the agent's hello (its JSON in hello()).
  absl::Status Start();
  // Stops the guest (quit, then kill) and boots a new one.
  absl::Status Restart();
  // Sends one input or case and returns the agent's result object.
  absl::StatusOr<nlohmann::json> Execute(FrameType type, const std::string& body);
  // Quits the agent and waits for the guest to power off (kills it after
  // a grace period).
  void Stop();

  const nlohmann::json& hello() const { return hello_; }
  // The last lines of the guest's console (for a guest that died).
  std::string ConsoleTail(size_t lines = 40) const;

 private:
  std::string GuestScript() const;
  RigPaths rig_;
  LinkOptions o_;
  pid_t rig_pid_ = -1;  // run-guest.sh, leader of its own process group
  int fd_ = -1;
  nlohmann::json hello_;
};

}  // namespace flashfault::campaign::fuzz
