// The guest script of a scenario run: a busybox-ash script for
// harness/vm/run-guest.sh that starts `flashfault serve` on muse.ko with the
// scenario's geometry, image, fault script and seed, runs the workload (a
// built-in one from harness/vm/guest/workloads.sh or the scenario's shell
// snippet) in a subshell, and prints the "FFRUN ..." facts verdict.h reads.
// Must not: decide a verdict (the host does), or print lines starting with
// "FLASHFAULT-" (the rig's markers).
#pragma once

#include <cstdint>
#include <string>

#include "harness/campaign/scenario.h"

namespace flashfault::campaign {

// Where the payload files land in the guest (run_command.cc ships them).
inline constexpr char kGuestFaultScript[] = "/ffrun/faults.json";
inline constexpr char kGuestGeometry[] = "/ffrun/geometry.json";
inline constexpr char kGuestImage[] = "/ffrun/image.img";
inline constexpr char kGuestWorkloads[] = "/ff/workloads.sh";

// `s` must have passed ParseScenario. `seed` is the run's seed.
std::string GuestScript(const Scenario& s, uint64_t seed);

// `text` quoted for a POSIX shell ('...' with embedded quotes escaped).
std::string ShellQuote(const std::string& text);

}  // namespace flashfault::campaign
