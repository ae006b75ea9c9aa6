// The guest-side executor: runs a workload's ops with real syscalls on a
// mounted filesystem and writes the op log (op_log.h), one line per op,
// written with one write(2) as soon as the op returns (the log lives on the
// guest's tmpfs, not on the flash under test, so no fsync).
//
// With a control directory, each op is bracketed by reads of the flash
// server's op counter (CTLDIR/stats.json, `faults.ops`), each a plain
// open/read/close. A failing op is logged with its errno and the run goes on;
// only the executor's own I/O (the root, the log, the counter) stops it.
// It must run in the busybox initramfs: libc syscalls only, no helpers.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "harness/campaign/oracle/workload.h"

namespace flashfault::oracle {

struct ExecOptions {
  std::string root;     // the mount root: must exist and be empty
  std::string log;      // the op log to create (replaced if it exists)
  std::string ctl_dir;  // the server's control directory, or empty: no counters
};

struct ExecSummary {
  size_t ops = 0;
  size_t failed = 0;  // ops that returned an error
};

// Runs `w`. FailedPrecondition when the root is not an empty directory;
// Internal/NotFound when the log or the counter cannot be written or read.
absl::StatusOr<ExecSummary> ExecuteWorkload(const Workload& w, const ExecOptions& options);

// The flash server's op counter: `faults.ops` in CTLDIR/stats.json.
absl::StatusOr<uint64_t> ReadFlashCounter(const std::string& ctl_dir);

}  // namespace flashfault::oracle
