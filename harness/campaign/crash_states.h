// Crash states of a recorded workload: which states a power cut could
// leave, how a run picks among them (--mode, --inside, --shard, --seed), and
// the short id that names one state so it can be checked alone.
//
// A state is (op, variant, seed): the power failed during recorded flash op
// `op` (every op before it completed, none after it started), and `variant`
// says what became of that op itself:
//   boundary  nothing of it reached the cells (a cut between two ops)
//   torn      a write or erase partly done: a seeded share of its cells
//             programmed or erased (power_cut's torn_fraction); on MLC parts
//             the programmed page's paired lower page is damaged too
//   unstable  torn, and the torn cells read differently on every read
// Only ops that change the cells (write, erase, markbad) make new states:
// a cut during a read leaves the same cells as the boundary before it.
//
// Must not: materialise states (fault-models/replay/crash_state.h does) or
// run anything; this is pure selection, the same on host and guest.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fault-models/replay/crash_state.h"

namespace flashfault::campaign {

enum class CrashVariant { kBoundary, kTorn, kUnstable };
const char* CrashVariantName(CrashVariant v);  // "boundary", "torn", "unstable"
std::optional<CrashVariant> CrashVariantFromName(absl::string_view name);

struct CrashState {
  uint64_t op = 0;  // the recorded op during which power failed
  CrashVariant variant = CrashVariant::kBoundary;
  uint64_t seed = 0;  // torn cells and their share; 0 for boundary states
  // The share of the op's cells that were done (torn, unstable), from seed.
  double torn_fraction() const;
  // "op1234", "op1234.torn.s99", "op1234.unstable.s99": the state's id.
  std::string Id() const;
  // What MaterialiseCrashState needs to build it.
  CrashCut ToCut() const {
    return {.op = op, .torn_fraction = torn_fraction(),
            .unstable = variant == CrashVariant::kUnstable, .seed = seed};
  }
  bool operator==(const CrashState&) const = default;
};

// Parses an id written by Id(). InvalidArgument naming what is wrong.
absl::StatusOr<CrashState> ParseCrashStateId(absl::string_view id);

// One recorded op as the selection needs it.
struct RecordedOp {
  uint64_t index = 0;
  enum class Kind { kRead, kWrite, kErase, kOther } kind = Kind::kOther;
};

// How many states a run checks (--mode).
struct ExploreMode {
  enum class Kind { kExhaustive, kEvery, kSample, kBisect } kind = Kind::kExhaustive;
  uint64_t n = 0;  // every:K (K), sample:N (N)
};
// "exhaustive", "every:K", "sample:N", "bisect"; InvalidArgument otherwise.
absl::StatusOr<ExploreMode> ParseExploreMode(absl::string_view text);

// Which variants inside an op (--inside): none = boundaries only; torn =
// boundaries and torn writes/erases; all = those and unstable ones.
enum class Inside { kNone, kTorn, kAll };
absl::StatusOr<Inside> ParseInside(absl::string_view text);

// --shard i/N (1-based i): a deterministic split of the state list.
struct Shard {
  uint32_t index = 1, count = 1;
};
absl::StatusOr<Shard> ParseShard(absl::string_view text);

struct SelectionOptions {
  ExploreMode mode;
  Inside inside = Inside::kNone;
  Shard shard;
  uint64_t seed = 0;  // the run's seed: torn seeds and samples derive from it
  uint64_t first_op = 0;           // the window of recorded ops to cut in
  uint64_t last_op = UINT64_MAX;   // (inclusive): the workload, not the set-up
};

// --mode, --inside and --shard together, as every command that takes them
// checks them (bisect cannot be sharded); the window and seed stay unset.
absl::StatusOr<SelectionOptions> ParseSelection(absl::string_view mode, absl::string_view inside,
                                                absl::string_view shard);

// Every state of `ops` the options allow, in ascending op order (bisect:
// the boundary states the bisection may visit, in op order; the caller
// visits them by halving). Deterministic: the same inputs give the same
// list, and the shards of one list are disjoint and together the whole.
std::vector<CrashState> SelectCrashStates(std::span<const RecordedOp> ops,
                                          const SelectionOptions& options);

// The whole state space before mode and shard (for progress and results).
uint64_t CountCrashStates(std::span<const RecordedOp> ops, const SelectionOptions& options);

}  // namespace flashfault::campaign
