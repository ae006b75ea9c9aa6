// The plan of one `flashfault nightly` run: which regression scenarios this
// shard runs (and with which recorded verdict), how they are grouped into
// guest boots, how the time budget is split between the regression corpus,
// the power-cut exploration and kernel fault fuzzing, and which finding
// signatures are already known. Pure: reads the corpus folder, boots nothing, writes nothing, so
// the split and the sharding are unit-tested.
//
// The corpus (corpora/ by default):
//   scenarios/*.json                  each expected to pass
//   reproducers/SIGNATURE_ID/scenario.json  a finding kept for regression
//                                     (as `flashfault explore` writes it),
//                                     expected to keep the verdict in
//                                     reproducers/SIGNATURE_ID/verdict
//                                     ("fail" when absent: it reproduces)
// Must not: run anything or judge results (the nightly command does).
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/campaign/crash_states.h"

namespace flashfault::campaign {

struct RegressionItem {
  std::string file;      // the scenario file
  std::string name;      // its name (results go to DIR/NAME/)
  std::string expected;  // "pass" or "fail": the recorded verdict it must keep
  bool reproducer = false;
  std::vector<std::string> kernel_args;  // items share a boot only with equal ones
};

// The budget split, in seconds from the start, in three stages:
//   1. regression: its boots start while less than kRegressionShare of the
//      budget has gone;
//   2. exploration: when it starts, it gets half of what is left (but
//      leaves the fuzzing at least kMinFuzzSeconds) when both fit, else all
//      that is left;
//      skipped (and says so) when less than kMinExploreSeconds remain;
//   3. fuzzing: whatever is left once the exploration ended, if at least
//      kMinFuzzSeconds; libFuzzer gets that less kFuzzWrapUpSeconds, kept
//      for triage, minimising and writing reproducers.
// With no budget everything runs: the exploration to the end of its mode,
// the fuzzing for kUnbudgetedFuzzSeconds.
inline constexpr double kRegressionShare = 0.6;
inline constexpr uint64_t kMinExploreSeconds = 90;
// Kept back from the exploration's own budget: it stops starting states
// then, and still finishes the states in flight, unloads and reports.
inline constexpr uint64_t kExploreWrapUpSeconds = 30;
// A guest boot and its base format, some inputs, and the wrap-up.
inline constexpr uint64_t kMinFuzzSeconds = 180;
inline constexpr uint64_t kFuzzWrapUpSeconds = 90;
inline constexpr uint64_t kUnbudgetedFuzzSeconds = 600;
// Scenarios per guest boot: a boot costs about a minute under TCG, a
// scenario tens of seconds; batches this size keep the budget checks fine.
inline constexpr size_t kScenariosPerBoot = 4;

struct NightlyPlan {
  std::filesystem::path corpus;
  Shard shard;
  uint64_t seed = 0;
  uint64_t budget_seconds = 0;  // 0: no budget (everything runs)
  size_t corpus_items = 0;      // in every shard together
  std::vector<RegressionItem> regression;  // this shard's, in corpus order
  std::vector<std::vector<size_t>> boots;  // indexes into regression, one boot each
  std::set<std::string> known_signatures;  // SIGNATURE_ID of every reproducer
  bool fuzz = true;  // stage 3 runs (nightly --no-fuzz turns it off)
};

// Reads the corpus and plans this shard. InvalidArgument naming the file
// for a scenario that does not load or a verdict file that says neither
// "pass" nor "fail"; NotFound when the corpus has no scenarios/ folder.
absl::StatusOr<NightlyPlan> PlanNightly(const std::filesystem::path& corpus, Shard shard,
                                        uint64_t budget_seconds, uint64_t seed);

// Whether a regression boot may start `elapsed` seconds into the run.
bool RegressionMayStart(const NightlyPlan& plan, uint64_t elapsed);
// The exploration's own --budget when it starts `elapsed` seconds in: its
// share of the rest (above) less kExploreWrapUpSeconds (0 = none when the
// nightly has none), or nullopt when less than kMinExploreSeconds remain.
std::optional<uint64_t> ExploreBudget(const NightlyPlan& plan, uint64_t elapsed);
// The fuzzing's --budget (libFuzzer's time) when it starts `elapsed`
// seconds in, or nullopt when it is off or less than kMinFuzzSeconds remain.
std::optional<uint64_t> FuzzBudget(const NightlyPlan& plan, uint64_t elapsed);

}  // namespace flashfault::campaign
