// The guest script of a `flashfault run`: a busybox-ash script for
// harness/vm/run-guest.sh that runs one or more scenarios one after the
// other in the same boot (a boot costs seconds under TCG; a scenario's setup
// a fraction of that). Each scenario runs in its own subshell between
// "FFRUN-BEGIN i" and "FFRUN-END i" lines: muse.ko loaded afresh, `flashfault
// serve` with the scenario's geometry, image, fault script and seed, the
// workload (a built-in one from harness/vm/guest/workloads.sh or the
// scenario's shell snippet), then the server stopped, the module unloaded,
// and what a failed scenario left cleared (verdict.h splits the output
// again: GuestSegment). The block is also framed in the kernel log by the
// marker records of slice GuestSliceName(index) (ff_slice in
// harness/vm/guest/lib.sh): the host cuts the scenario's records out of the
// streamed log (scenario_log.h). Each server writes a device summary, and
// the script's last step sends them all to the host (GuestSummaryPath).
// Must not: decide a verdict (the host does), or print lines starting with
// "FLASHFAULT-" (the rig's markers).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "harness/campaign/scenario.h"

namespace flashfault::campaign {

// Where scenario `index`'s payload files land in the guest
// (run_command.cc ships them): /ffrun/<index>/<name>.
inline constexpr char kGuestFaultScript[] = "faults.json";
inline constexpr char kGuestGeometry[] = "geometry.json";
inline constexpr char kGuestImage[] = "image.img";
// Its metadata, which the server opens beside it (backends/image/flash_image.h).
inline constexpr char kGuestImageMeta[] = "image.img.meta.json";
inline constexpr char kGuestCrashEvents[] = "events.jsonl";  // a crash state's recording
inline constexpr char kGuestCrashOps[] = "ops.jsonl";
inline constexpr char kGuestFuzzCase[] = "fuzz_case.json";  // a fuzz reproducer's case
inline constexpr char kGuestFiles[] = "files";  // the scenario's "files", as listed
inline constexpr char kGuestErasedPart[] = "/tmp/ff.part.img";  // an "erased-file" image
std::string GuestPayloadPath(size_t index, const char* name);
// Where scenario `index`'s server writes its device summary
// (harness/server/device_summary.h): /tmp/ffout/<index>/device.json. The
// script ends by sending /tmp/ffout to the host (ff_export), which finds it
// under its --export directory as <index>/device.json.
inline constexpr char kGuestExportDir[] = "/tmp/ffout";
inline constexpr char kDeviceSummaryName[] = "device.json";
std::string GuestSummaryPath(size_t index);
// The kernel-log slice of scenario `index`: "scenario.<index>".
std::string GuestSliceName(size_t index);
inline constexpr char kGuestWorkloads[] = "/ff/workloads.sh";

struct ScenarioRun {
  const Scenario* scenario;  // passed ParseScenario
  uint64_t seed;             // the run's seed
};

std::string GuestScript(std::span<const ScenarioRun> runs);

// `text` quoted for a POSIX shell ('...' with embedded quotes escaped).
std::string ShellQuote(const std::string& text);

}  // namespace flashfault::campaign
