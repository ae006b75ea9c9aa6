// The explore agent: the guest-side loop of `flashfault explore`. One
// process checks many crash states in one boot, each on a fresh MTD:
//
//   materialise   the state from the recorded event log into a new served
//                 part (one replay cursor walked forward over all states,
//                 copied out per state: fault-models/replay/crash_state.h)
//   serve         a Server on /dev/muse in a thread (direct reads on): the
//                 module presents the state as a new MTD
//   attach+mount  harness/vm/guest/explore.sh ex_mount (UBIFS with its own
//                 self-checks on)
//   oracle        the workload's op log against the mounted tree, in-process
//                 (harness/campaign/oracle/)
//   space         remove everything, sync, free space against the baseline
//   teardown      ex_unmount, then the server stops and the MTD goes away
//
// Each state's kernel log is read from /dev/kmsg between its start and end,
// so it is that state's own; a gap in record numbers is reported, and a log
// with a warning or worse goes through the one classifier (classify-dmesg.sh):
// a bug kind fails the state as "kernel". Each state's full record (its
// whole kernel log included) goes to AgentOptions::states_file, and a short
// "FFSTATE {...}" line to `out` (the console: progress, and what is left if
// the guest dies), then a summary line. Every record carries "at_s", the
// seconds from the start of the checks to the end of that state.
// Must not: judge findings (the host groups them: findings.h), or keep
// anything of one state's part for the next.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "harness/campaign/crash_states.h"

namespace flashfault::campaign {

struct AgentOptions {
  std::string events;       // the recording's replayable event log
  std::string op_log;       // the workload's op log (flashfault workload exec --log)
  std::string fs = "ubifs";  // ubifs | jffs2
  SelectionOptions selection;  // mode, inside, shard, seed, window of ops
  uint64_t baseline_free = 0;  // free bytes of the fresh filesystem (space check)
  std::string slack;           // space-check slack ("" = the oracle's default)
  std::string mount_point = "/mnt/ff";
  std::string guest_lib = "/ff";  // lib.sh and explore.sh
  std::string muse_device = "/dev/muse";
  double budget_seconds = 0;   // stop starting new states after this; 0 = none
  std::string states_file;     // full records, one JSON line per state; "" = all on `out`
  // The bench's reference: write each state onto /dev/mtdN (nandsim of the
  // same geometry: mtd_writer.h) and run the same checks there instead of
  // serving it over MUSE. -1: serve (the exploration itself).
  int onto_mtd = -1;
};

struct AgentSummary {
  uint64_t space = 0;      // states in the space (before mode and shard)
  uint64_t selected = 0;   // states this run was to check
  uint64_t checked = 0;
  uint64_t failed = 0;
  bool budget_ran_out = false;
};

// Checks the selected states, writing "FFSTATE" lines and a final
// "FFEXPLORE summary" line to `out` (and progress lines to stderr). Errors
// are the agent's own failures (a log it cannot read, a server that cannot
// start); a failing state is a result, not an error.
absl::StatusOr<AgentSummary> RunExploreAgent(const AgentOptions& options, std::FILE* out);

}  // namespace flashfault::campaign
