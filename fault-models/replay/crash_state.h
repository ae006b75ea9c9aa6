// Crash states materialised: the part as a power cut during a recorded op
// leaves it, built from the run's replayable event log.
//
// A cut during op N leaves every op before N done and none after; op N
// itself is not done at all (torn_fraction 0: a cut between two ops) or
// torn by the fault layer's own power_cut family (a seeded share of its
// cells programmed or erased, MLC paired lower pages damaged, torn cells
// unstable if asked). The fault layer is the one place that knows what a
// torn op does to cells, so a state checked by the explorer and the same
// state replayed by `serve --crash-state` are the same cells.
//
// Must not: choose states (harness/campaign/crash_states.h does), or change
// the cursor's part except by advancing it along the log (syncing a target
// from it clears its changed-block flags: NandModel::SyncStateFrom).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "fault-models/fault_layer.h"
#include "fault-models/replay/log_replayer.h"

namespace flashfault {

struct CrashCut {
  uint64_t op = 0;             // the recorded op during which power failed
  double torn_fraction = 0.0;  // share of op `op` done; 0 = none of it
  bool unstable = false;       // torn cells read differently each time
  uint64_t seed = 0;           // the tear's random choices
};

// Makes `target` the state `cut` leaves, powered on, with `serving_plan`
// (the faults to serve it with; often none) installed afresh, ready to be
// served (its own op count restarts: 0, or 1 after a tear). A target reused
// for state after state costs only the blocks that differ (SyncStateFrom).
// Advances `cursor` through op
// cut.op - 1 (it must not be past it: FailedPrecondition). OutOfRange when
// the log has no op cut.op; DataLoss when the replay diverges.
absl::Status MaterialiseCrashState(LogReplayer& cursor, const CrashCut& cut,
                                   const FaultPlan& serving_plan, FaultLayer& target);

// The same, starting from the log file (a fresh cursor): for one state,
// e.g. a reproducer served by `flashfault serve --crash-state`.
absl::Status MaterialiseCrashState(const std::string& log_path, const CrashCut& cut,
                                   const FaultPlan& serving_plan, FaultLayer& target);

}  // namespace flashfault
