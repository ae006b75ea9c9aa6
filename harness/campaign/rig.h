// The VM rig seen from the host: where its pieces are (the repository with
// harness/vm/run-guest.sh, this binary, muse.ko built for the guest kernel)
// and how to start a child process with its output kept off stdout while
// the guest's "STEP ..." lines are relayed as progress.
//
// Every campaign (run, explore, fuzz, nightly) finds the rig the same way.
// Must not: judge anything or write results.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace flashfault::campaign {

struct RigPaths {
  std::filesystem::path root;     // the repository (holds harness/vm/run-guest.sh)
  std::filesystem::path self;     // this flashfault binary (shipped to the guest)
  std::filesystem::path muse_ko;  // the module for the guest kernel
  std::string kernel;             // the guest kernel's ABI; "" = the rig's default kernel
};

// The repository: $FLASHFAULT_ROOT, else the first parent of the binary that
// holds harness/vm/run-guest.sh. muse.ko: `muse_ko_flag`, else
// $FLASHFAULT_MUSE_KO, else kmod/muse.ko in the first parent of the binary
// that has one (build-kmod.sh BUILD puts it in BUILD/kmod/), else
// ROOT/kmod/muse.ko. FailedPrecondition naming what is missing and how to
// provide it.
//
// `kernel_flag` (--kernel: default, 6.1, 6.12 or an ABI; else
// $FLASHFAULT_KERNEL; neither = the default kernel with the search above) is
// resolved to an ABI by the rig's scripts, and
// muse.ko comes from `muse_ko_flag` or else is built once per ABI into the
// cache (build-kmod.sh --kernel); $FLASHFAULT_MUSE_KO, which names one
// kernel's module, goes with $FLASHFAULT_KERNEL only, never with the flag.
// InvalidArgument for a kernel that is not one (the scripts print why);
// FailedPrecondition when fetching or building failed.
absl::StatusOr<RigPaths> LocateRig(const std::string& muse_ko_flag,
                                   const std::string& kernel_flag = "");

// The start of every command line that boots the guest: run-guest.sh, with
// --kernel ABI when the rig has one.
std::vector<std::string> RunGuestCommand(const RigPaths& rig);

// This process's executable (/proc/self/exe); empty when unknown.
std::filesystem::path SelfExe();

// Relays the guest's "STEP ..." lines from the rig's live console log while
// it runs, so a long guest run shows where it is.
class StepRelay {
 public:
  explicit StepRelay(std::filesystem::path console) : console_(std::move(console)) {}
  void Poll();

 private:
  std::filesystem::path console_;
  size_t offset_ = 0;
  std::string pending_;
  bool replayed_ = false;
};

// Runs argv with its stdout sent to our stderr (progress, never results),
// or into `*stdout_text` when that is given (then `relay` must be null);
// polls `relay` (if any) while it runs. The child's exit status, 128+signal
// when it died of one, -1 when it could not be started or waited for.
int Spawn(const std::vector<std::string>& argv, StepRelay* relay = nullptr,
          std::string* stdout_text = nullptr);

}  // namespace flashfault::campaign
