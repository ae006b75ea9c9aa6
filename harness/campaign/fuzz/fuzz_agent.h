// The kernel fuzzer's agent: the guest side of `flashfault fuzz`. One
// process in one guest boot runs input after input, each on a fresh device
// without a reboot:
//
//   base      once: an erased part, formatted (ex_format: UBI + a UBIFS
//             volume, or JFFS2), unmounted and kept as the base image
//   fresh     per input: the served part synced back to the base (only the
//             blocks the last input changed are copied)
//   faults    the input's fault stream decides faults op by op (from the
//             workload's first op, or from the attach: fuzz_input.h); a
//             case brings a fault script instead
//   run       attach, mount, the workload's ops (the oracle's executor),
//             unmount, detach: all in this thread (fs_steps.h), under KCOV
//             when the kernel has it
//   recover   faults off, power on; attach, mount (UBIFS's self-checks on),
//             read every file back, unmount, detach
//   judge     the input's own kernel log through the one classifier; a bug
//             kind always fails, a failed recovery fails unless a fault that
//             fired is one the file system need not survive
//             (oracle/survivable_faults.h); the signature as signature.h
//
// The result (a JSON object, sent as an 'R' frame) carries the verdict,
// the signature, the kernel-log excerpt, the faults as a script (the
// stream's decisions), the workload, the features (features.h) and where
// the time went. Must not: keep anything of one input's device for the next,
// or decide what is new (libFuzzer and the host do).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fault-models/fault_spec.h"

namespace flashfault::campaign::fuzz {

struct FuzzAgentOptions {
  std::string port;               // the channel: a virtio port device, or any fd path
  std::string fs = "ubifs";       // ubifs | jffs2
  std::string preset = "slc-2k-16m";
  std::string workload = "mix";   // a built-in workload name ("mix": from the input)
  std::vector<FaultKind> survivable_also;  // kinds declared survivable (planted failures)
  std::string mount_point = "/mnt/fffuzz";
  std::string guest_lib = "/ff";  // lib.sh, explore.sh, classify-dmesg.sh
  std::string muse_device = "/dev/muse";
  bool kcov = true;               // use KCOV when the kernel has it
  std::string case_file;          // RunFuzzCase: the case to run once
};

// Serves frames on the port until 'Q' or the host goes away (OK), or the
// agent itself cannot go on (the base cannot be made, the port fails).
absl::Status RunFuzzAgent(const FuzzAgentOptions& options);

// Runs options.case_file once, as the loop would (a reproducer's replay):
// prints "FFFUZZ result {...}" (and "FAIL: fuzz case: SIGNATURE" when it
// failed) to `out`; true when it failed.
absl::StatusOr<bool> RunFuzzCase(const FuzzAgentOptions& options, std::FILE* out);

}  // namespace flashfault::campaign::fuzz
