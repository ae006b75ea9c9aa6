// The plan of one `flashfault nightly` run: which regression scenarios this
// shard runs (and with which recorded verdict), how they are grouped into
// guest boots, how the time budget is split between the regression corpus
// and the power-cut exploration, and which finding signatures are already
// known. Pure: reads the corpus folder, boots nothing, writes nothing, so
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

// The budget split, in seconds from the start. Regression batches start
// while less than kRegressionShare of the budget has gone; the exploration
// then gets the rest, if at least kMinExploreSeconds remain (a guest boot
// and a first states' worth), else it is skipped and says so.
inline constexpr double kRegressionShare = 0.6;
inline constexpr uint64_t kMinExploreSeconds = 90;
// Kept back from the exploration's own budget: it stops starting states
// then, and still finishes the states in flight, unloads and reports.
inline constexpr uint64_t kExploreWrapUpSeconds = 30;
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
};

// Reads the corpus and plans this shard. InvalidArgument naming the file
// for a scenario that does not load or a verdict file that says neither
// "pass" nor "fail"; NotFound when the corpus has no scenarios/ folder.
absl::StatusOr<NightlyPlan> PlanNightly(const std::filesystem::path& corpus, Shard shard,
                                        uint64_t budget_seconds, uint64_t seed);

// Whether a regression boot may start `elapsed` seconds into the run.
bool RegressionMayStart(const NightlyPlan& plan, uint64_t elapsed);
// The exploration's own --budget when it starts `elapsed` seconds in: the
// rest of the budget less kExploreWrapUpSeconds (0 = none when the nightly
// has none), or nullopt when less than kMinExploreSeconds remain.
std::optional<uint64_t> ExploreBudget(const NightlyPlan& plan, uint64_t elapsed);

}  // namespace flashfault::campaign
